/**
 * The CLOB V2 order as signed (EIP-712, "Polymarket CTF Exchange" version "2"), exactly the typed
 * data @polymarket/client 0.2 signs (its builder is internal, so the struct is restated here): the
 * order hash is the CLOB's order id, which lets the venue find an order it posted even when the
 * response was lost, and lets the stand-in verify signatures like the real exchange.
 */
import { type Hex, hashDomain, hashStruct, hashTypedData, recoverTypedDataAddress } from "viem";

export const POLYGON_CHAIN_ID = 137;
/** CLOB V2 exchanges on Polygon (@polymarket/client `production.contracts`). */
export const V2_EXCHANGES = {
  standard: "0xE111180000d2663C0091e4f400237545B87B996B",
  negRisk: "0xe2222d279d744050d28e00520010520000310F59",
} as const;

const ORDER_TYPES = {
  Order: [
    { name: "salt", type: "uint256" },
    { name: "maker", type: "address" },
    { name: "signer", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "makerAmount", type: "uint256" },
    { name: "takerAmount", type: "uint256" },
    { name: "side", type: "uint8" },
    { name: "signatureType", type: "uint8" },
    { name: "timestamp", type: "uint256" },
    { name: "metadata", type: "bytes32" },
    { name: "builder", type: "bytes32" },
  ],
} as const;

/** The order fields of a POST /order body (what the SDK's SignedOrder serialises to). */
export interface WireOrder {
  salt: number | string;
  maker: string;
  signer: string;
  tokenId: string;
  makerAmount: string;
  takerAmount: string;
  side: "BUY" | "SELL";
  signatureType: number;
  timestamp: string;
  metadata: string;
  builder: string;
  expiration: string | number;
  signature: string;
}

/** The EIP-712 payload of an order (what the SDK hands its signer). */
export function orderTypedData(o: Omit<WireOrder, "signature">, negRisk: boolean) {
  return {
    domain: {
      name: "Polymarket CTF Exchange",
      version: "2",
      chainId: POLYGON_CHAIN_ID,
      verifyingContract: negRisk ? V2_EXCHANGES.negRisk : V2_EXCHANGES.standard,
    },
    types: ORDER_TYPES,
    primaryType: "Order" as const,
    message: {
      salt: BigInt(o.salt),
      maker: o.maker as Hex,
      signer: o.signer as Hex,
      tokenId: BigInt(o.tokenId),
      makerAmount: BigInt(o.makerAmount),
      takerAmount: BigInt(o.takerAmount),
      side: o.side === "BUY" ? 0 : 1,
      signatureType: o.signatureType,
      timestamp: BigInt(o.timestamp),
      metadata: o.metadata as Hex,
      builder: o.builder as Hex,
    },
  };
}

/** The CLOB order id: the EIP-712 hash of the order. */
export function orderHash(o: WireOrder, negRisk: boolean): string {
  return hashTypedData(orderTypedData(o, negRisk));
}

/** Address that produced `o.signature` (EOA, proxy and Safe orders are signed by the EOA signer). */
export async function recoverOrderSigner(o: WireOrder, negRisk: boolean): Promise<string> {
  return recoverTypedDataAddress({ ...orderTypedData(o, negRisk), signature: o.signature as Hex });
}

const DOMAIN_FIELDS = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
] as const;

const ORDER_TYPE_STRING =
  "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)";

/**
 * Owner key behind a POLY_1271 (deposit wallet) order, or null when the signature is not a
 * well-formed ERC-7739 envelope for this order. The SDK signs `TypedDataSign{contents: Order,
 * name "DepositWallet", version "1", chainId, verifyingContract: the wallet, salt 0}` in the
 * exchange's domain and appends the exchange domain separator, the order's struct hash, the Order
 * type string and its length (@polymarket/client 0.2 `exchange.ts`); the wallet's
 * `isValidSignature` checks that envelope and that the recovered key is its owner.
 */
export async function recoverDepositWalletOwner(o: WireOrder, negRisk: boolean): Promise<string | null> {
  const sig = o.signature.slice(2);
  const typeHex = Buffer.from(ORDER_TYPE_STRING).toString("hex");
  const tail = typeHex + ORDER_TYPE_STRING.length.toString(16).padStart(4, "0");
  if (sig.length !== 130 + 64 + 64 + tail.length || !sig.endsWith(tail)) return null;
  const td = orderTypedData(o, negRisk);
  const domainSeparator = hashDomain({
    domain: { ...td.domain, chainId: BigInt(td.domain.chainId) },
    types: { EIP712Domain: DOMAIN_FIELDS },
  })
    .slice(2)
    .toLowerCase();
  const contents = hashStruct({ data: td.message, primaryType: "Order", types: ORDER_TYPES })
    .slice(2)
    .toLowerCase();
  if (sig.slice(130, 194).toLowerCase() !== domainSeparator || sig.slice(194, 258).toLowerCase() !== contents)
    return null;
  try {
    return await recoverTypedDataAddress({
      domain: td.domain,
      types: {
        ...ORDER_TYPES,
        // ERC-7739: the signed contents, then the wallet's own domain fields.
        TypedDataSign: [
          { name: "contents", type: "Order" },
          ...DOMAIN_FIELDS,
          { name: "salt", type: "bytes32" },
        ],
      },
      primaryType: "TypedDataSign",
      message: {
        contents: td.message,
        name: "DepositWallet",
        version: "1",
        chainId: BigInt(POLYGON_CHAIN_ID),
        verifyingContract: o.signer as Hex,
        salt: `0x${"0".repeat(64)}`,
      },
      signature: `0x${sig.slice(0, 130)}`,
    });
  } catch {
    return null;
  }
}

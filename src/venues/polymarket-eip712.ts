/**
 * The CLOB V2 order as signed (EIP-712, "Polymarket CTF Exchange" version "2"), exactly the typed
 * data @polymarket/client 0.2 signs (its builder is internal, so the struct is restated here): the
 * order hash is the CLOB's order id, which lets the venue find an order it posted even when the
 * response was lost, and lets the stand-in verify signatures like the real exchange.
 */
import { type Hex, hashTypedData, recoverTypedDataAddress } from "viem";

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

/**
 * The Polymarket wallet a signing key trades from, per signature type. Proxy wallets, Safes and
 * deposit wallets are CREATE2 contracts whose address follows from the owner's address alone, so
 * the CLOB and the exchange check "the maker is this signer's wallet" by recomputing it (the
 * exchange's `Signatures.sol`: `getPolyProxyWalletAddress(signer) == maker`,
 * `getSafeAddress(signer) == maker`; Polymarket/ctf-exchange src/exchange/mixins). No RPC is
 * needed. The constants and formulas restate @polymarket/client 0.2 (`src/wallet.ts`,
 * `production.walletDerivation`), whose own helpers are internal; a test checks that the SDK
 * classifies the addresses derived here as the expected wallet type.
 */
import {
  concat,
  encodeAbiParameters,
  encodePacked,
  getCreate2Address,
  type Hex,
  keccak256,
  toHex,
} from "viem";

export const WALLET_DERIVATION = {
  proxyFactory: "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052",
  proxyImplementation: "0x44e999d5c2F66Ef0861317f9A4805AC2e90aEB4f",
  safeFactory: "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b",
  safeInitCodeHash: "0x2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf",
  depositWalletFactory: "0x00000000000Fb5C9ADea0298D729A0CB3823Cc07",
  depositWalletBeacon: "0x7A18EDfe055488A3128f01F563e5B479D92ffc3a",
} as const;

// The proxy factory's clone bytecode with the factory and implementation spliced in (SDK PROXY_BYTECODE_TEMPLATE).
const PROXY_BYTECODE =
  "3d3d606380380380913d393d73%s5af4602a57600080fd5b602d8060366000396000f3363d3d373d3d3d363d73%s5af43d82803e903d91602b57fd5bf352e831dd00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000000";

/** POLY_PROXY (1): the Magic/email proxy wallet of `signer`. */
export function proxyWalletOf(signer: string): Hex {
  const code = PROXY_BYTECODE.replace("%s", WALLET_DERIVATION.proxyFactory.slice(2).toLowerCase()).replace(
    "%s",
    WALLET_DERIVATION.proxyImplementation.slice(2).toLowerCase(),
  );
  return getCreate2Address({
    from: WALLET_DERIVATION.proxyFactory,
    salt: keccak256(encodePacked(["address"], [signer as Hex])),
    bytecodeHash: keccak256(`0x${code}`),
  });
}

/** GNOSIS_SAFE (2): the 1-of-1 Safe of `signer` that polymarket.com deploys for browser-wallet users. */
export function safeWalletOf(signer: string): Hex {
  return getCreate2Address({
    from: WALLET_DERIVATION.safeFactory,
    salt: keccak256(encodeAbiParameters([{ type: "address" }], [signer as Hex])),
    bytecodeHash: WALLET_DERIVATION.safeInitCodeHash,
  });
}

/** POLY_1271 (3): the deposit wallet of `signer` (a Solady ERC-1967 beacon proxy clone from the current factory). */
export function depositWalletOf(signer: string): Hex {
  const args = encodeAbiParameters(
    [{ type: "address" }, { type: "bytes32" }],
    [WALLET_DERIVATION.depositWalletFactory, `0x${signer.slice(2).padStart(64, "0")}`],
  );
  const argsLength = BigInt((args.length - 2) / 2);
  const initCode = concat([
    toHex(0x6100523d8160233d3973n + (argsLength << 56n), { size: 10 }),
    WALLET_DERIVATION.depositWalletBeacon,
    "0x60195155f3363d3d373d3d363d602036600436635c60da",
    "0x1b60e01b36527fa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6c",
    "0xb3582b35133d50545afa5036515af43d6000803e604d573d6000fd5b3d6000f3",
    args,
  ]);
  return getCreate2Address({
    from: WALLET_DERIVATION.depositWalletFactory,
    salt: keccak256(args),
    bytecodeHash: keccak256(initCode),
  });
}

/** The maker (funder) address an order of this signature type must carry for `signer`. */
export function walletOf(signer: string, signatureType: number): Hex | null {
  switch (signatureType) {
    case 0:
      return signer as Hex;
    case 1:
      return proxyWalletOf(signer);
    case 2:
      return safeWalletOf(signer);
    case 3:
      return depositWalletOf(signer);
    default:
      return null;
  }
}

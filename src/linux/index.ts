/** Real Linux kernels: zImage unpacking, kallsyms recovery, System.map, and the loader entry. */
export { KallsymsError, LinuxKernelError, SystemMapError, XzError, ZImageError } from './errors';
export { readKallsyms, type AddressEncoding, type Kallsyms, type KallsymsLayout, type KallsymsSymbol } from './kallsyms';
export { findLinkAddress, type LinkAddress } from './link-address';
export { LinuxKernelImage, loadLinuxKernel, toImageSymbols, type LinuxKernelInfo, type LinuxLoadOptions } from './load-kernel';
export { recoverKernelSymbols, type RecoveredSymbols } from './recover-symbols';
export { parseSystemMap, type SystemMap } from './system-map';
export { decompressXz, type XzDecodeResult } from './xz-decompress';
export { readZImageHeader, unpackZImage, type UnpackedZImage, type ZImageCompression, type ZImageHeader } from './zimage';

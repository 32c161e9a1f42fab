package io.vmstate.stream.ram;

/**
 * One RAMBlock of the RAM section's block list: its idstr, used length and, when the {@code
 * x-ignore-shared} capability is on, the memory region address ({@code mr_addr}, else -1).
 */
public record RamBlock(String idstr, long usedLength, long mrAddr) {}

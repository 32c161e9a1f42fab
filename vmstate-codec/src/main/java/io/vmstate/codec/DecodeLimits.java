package io.vmstate.codec;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Bounds that keep hostile input from exhausting memory or the stack: the largest array or list a
 * load may allocate, the largest buffer, and the deepest nesting of structs and subsections. Like
 * Jackson's {@code StreamReadConstraints}, limits are a value built once and passed to the codec;
 * going over one is a {@link io.vmstate.api.VmStateDecodeException} naming the limit.
 */
public record DecodeLimits(long maxArrayLength, long maxBufferBytes, int maxDepth) {
  /** 16 M elements, 256 MiB buffers, nesting 64 deep. */
  public static final DecodeLimits DEFAULT = new DecodeLimits(1L << 24, 256L << 20, 64);

  public DecodeLimits {
    checkArgument(maxArrayLength >= 0, "maxArrayLength (%s) must be >= 0", maxArrayLength);
    checkArgument(maxBufferBytes >= 0, "maxBufferBytes (%s) must be >= 0", maxBufferBytes);
    checkArgument(maxDepth >= 1, "maxDepth (%s) must be >= 1", maxDepth);
  }

  /** These limits with the largest array or list a load may allocate set to {@code n} elements. */
  public DecodeLimits withMaxArrayLength(long n) {
    return new DecodeLimits(n, maxBufferBytes, maxDepth);
  }

  /** These limits with the largest buffer a load may allocate set to {@code n} bytes. */
  public DecodeLimits withMaxBufferBytes(long n) {
    return new DecodeLimits(maxArrayLength, n, maxDepth);
  }

  /**
   * These limits with the deepest nesting of structs and subsections set to {@code n} (at least 1).
   */
  public DecodeLimits withMaxDepth(int n) {
    return new DecodeLimits(maxArrayLength, maxBufferBytes, n);
  }
}

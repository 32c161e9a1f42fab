package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.Nullable;
import io.vmstate.codec.DecodeLimits;
import io.vmstate.stream.vmdesc.Vmdesc;

/**
 * How {@link MigrationStreamReader} reads a stream.
 *
 * @param limits bounds for device decoding
 * @param maxVmdescBytes the largest vmdesc JSON accepted
 * @param requireVmdesc whether a stream that ends right after EOF is an error (QEMU's destination
 *     expects the trailer unless its machine suppresses it)
 * @param vmdesc the stream's vmdesc when it was found in advance (files), else null
 * @param defaultPageSize the target page size when neither configuration nor vmdesc say
 */
public record ReaderOptions(
    DecodeLimits limits,
    int maxVmdescBytes,
    boolean requireVmdesc,
    @Nullable Vmdesc vmdesc,
    int defaultPageSize) {
  public static final ReaderOptions DEFAULT =
      new ReaderOptions(DecodeLimits.DEFAULT, Vmdesc.DEFAULT_MAX_BYTES, true, null, 4096);

  public ReaderOptions {
    checkNotNull(limits, "limits");
    checkArgument(maxVmdescBytes > 0, "maxVmdescBytes %s", maxVmdescBytes);
    checkArgument(defaultPageSize >= 1024, "defaultPageSize %s", defaultPageSize);
  }

  /** These options with the stream's vmdesc found in advance ({@code v}), or null for none. */
  public ReaderOptions withVmdesc(Vmdesc v) {
    return new ReaderOptions(limits, maxVmdescBytes, requireVmdesc, v, defaultPageSize);
  }

  /** These options with {@code requireVmdesc} set to {@code r}. */
  public ReaderOptions withRequireVmdesc(boolean r) {
    return new ReaderOptions(limits, maxVmdescBytes, r, vmdesc, defaultPageSize);
  }

  /** These options with the largest vmdesc JSON accepted set to {@code n} bytes (at least 1). */
  public ReaderOptions withMaxVmdescBytes(int n) {
    return new ReaderOptions(limits, n, requireVmdesc, vmdesc, defaultPageSize);
  }

  /** These options with device decoding bounded by {@code l}. */
  public ReaderOptions withLimits(DecodeLimits l) {
    return new ReaderOptions(l, maxVmdescBytes, requireVmdesc, vmdesc, defaultPageSize);
  }
}

package io.vmstate.transport;

import io.netty.buffer.Unpooled;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The fuzz targets' door to the raw push decoder ({@link IncrementalDecoder}, package-private):
 * feeds a stream in random pieces as the raw receivers do.
 */
public final class PushDecoding {
  private PushDecoding() {}

  /**
   * Decodes {@code bytes} pushed in pieces of 1 to {@code maxPiece} bytes. With {@code vmdesc}
   * every section is decoded as it arrives; without, the sections wait for the vmdesc and are
   * decoded from {@code file} (which then holds {@code bytes}) after the end.
   */
  public static void decode(
      byte[] bytes, Vmdesc vmdesc, Path file, SplittableRandom random, int maxPiece)
      throws VmStateException, IOException {
    ReaderOptions options = ReaderOptions.DEFAULT;
    if (vmdesc != null) {
      options = options.withVmdesc(vmdesc);
    }
    IncrementalDecoder d =
        new IncrementalDecoder(options, IncrementalDecoder.Sections.VMDESC, () -> {}, true);
    int i = 0;
    while (i < bytes.length && d.deferred() < 0) {
      int n = Math.min(bytes.length - i, 1 + random.nextInt(maxPiece));
      d.feed(Unpooled.wrappedBuffer(bytes, i, n));
      i += n;
    }
    if (d.deferred() >= 0) {
      Files.write(file, bytes);
      d.finish(file);
    } else {
      d.finish();
    }
  }
}

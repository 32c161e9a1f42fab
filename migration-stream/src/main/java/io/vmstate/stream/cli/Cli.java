package io.vmstate.stream.cli;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Path;

/** Helpers shared by the commands. */
final class Cli {
  private Cli() {}

  /** Opens FILE, or the bundled sample when FILE is null. */
  static StreamSource open(Path file) throws IOException, VmStateDecodeException {
    return file == null ? StreamSource.sample() : StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES);
  }

  /** Fails when the stream has no vmdesc trailer (devices cannot be decoded without one). */
  static void requireVmdesc(StreamSource src) throws VmStateDecodeException {
    if (src.vmdesc() == null) {
      throw VmStateDecodeException.corrupt(
          src.name()
              + " does not end with a vmdesc trailer (0x06, be32 length, JSON), so its devices"
              + " cannot be decoded; postcopy streams and machines with suppress-vmdesc have none");
    }
  }
}

package io.vmstate.cli;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** Helpers shared by the commands. */
final class Cli {
  /** The bundled real QEMU 7.2 stream (qemu-system-aarch64 virt, GICv3, 2 vCPUs). */
  static final String SAMPLE = "/io/vmstate/cli/sample-virt-gicv3.qemu";

  private Cli() {}

  /** Opens the bundled sample stream. */
  static StreamSource sample() throws IOException, VmStateDecodeException {
    try (InputStream r = Cli.class.getResourceAsStream(SAMPLE)) {
      if (r == null) {
        throw new FileNotFoundException("bundled sample " + SAMPLE + " is missing from the jar");
      }
      return StreamSource.of("(bundled sample)", r.readAllBytes());
    }
  }

  /** Opens FILE, or the bundled sample when FILE is null. */
  static StreamSource open(Path file) throws IOException, VmStateDecodeException {
    return file == null ? sample() : StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES);
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

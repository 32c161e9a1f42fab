package io.vmstate.cli;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers shared by the commands. */
public final class Cli {
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

  /** What positional stream parameters say about {@code -}. */
  static final String STREAM_FILE = "stream file; - reads standard input";

  /** What --desc-from says. */
  public static final String DESC_FROM =
      "descriptions for a stream without a vmdesc (cut, postcopy, suppress-vmdesc, device-state"
          + " files): another stream from the same QEMU and machine, or the JSON of dump --desc";

  /** Opens FILE ({@code -} for standard input), or the bundled sample when FILE is null. */
  static StreamSource open(Path file) throws IOException, VmStateDecodeException {
    if (file == null) {
      return sample();
    }
    if (file.toString().equals("-")) {
      return StreamSource.read("(standard input)", System.in);
    }
    boolean[] prefetched = new boolean[1];
    Vmdesc located = VmdescPrefetch.take(file, prefetched);
    return prefetched[0]
        ? StreamSource.open(file, located)
        : StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES);
  }

  /** Fails when the stream has no vmdesc trailer (for what prints the vmdesc itself). */
  static void requireVmdesc(StreamSource src) throws VmStateDecodeException {
    if (src.vmdesc() == null) {
      throw VmStateDecodeException.corrupt(
          src.name()
              + " does not end with a vmdesc trailer (0x06, be32 length, JSON): it is cut, or"
              + " from postcopy, a machine with suppress-vmdesc or a device-state file");
    }
  }

  /**
   * Reader options for a stream: the stream's own vmdesc when it has one, else the descriptions of
   * {@code descFrom} (null: none); with those, a stream that ends after EOF without a vmdesc
   * (suppress-vmdesc) is whole.
   */
  static ReaderOptions options(Path descFrom) throws IOException, VmStateDecodeException {
    return descFrom == null
        ? ReaderOptions.DEFAULT
        : ReaderOptions.DEFAULT.withVmdesc(desc(descFrom)).withRequireVmdesc(false);
  }

  /** The vmdesc in {@code file}: JSON as dump --desc prints it, or a stream's trailer. */
  public static Vmdesc desc(Path file) throws IOException, VmStateDecodeException {
    if (Files.isDirectory(file)) {
      throw new java.nio.file.FileSystemException(
          file.toString(), null, "is a directory, not a stream or vmdesc JSON file");
    }
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    byte[] head = new byte[1];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.read(head) == 1 && head[0] == '{') {
        if (Files.size(file) > Vmdesc.DEFAULT_MAX_BYTES) {
          throw VmStateDecodeException.limitExceeded(
              "vmdesc JSON size", Files.size(file), Vmdesc.DEFAULT_MAX_BYTES);
        }
        return Vmdesc.parse(Files.readAllBytes(file), 0);
      }
    }
    try (StreamSource other = StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES)) {
      if (other.vmdesc() == null) {
        throw VmStateDecodeException.corrupt(
            "--desc-from " + file + " has no vmdesc trailer either; give a complete stream");
      }
      return other.vmdesc();
    }
  }

  /**
   * Says on {@code err} where {@code src} stopped decoding and what would get further; returns the
   * bad-data exit status.
   */
  static int reportBreak(StreamSource src, VmStateException b, PrintWriter err) {
    StringBuilder sb = new StringBuilder("vmstate: ").append(src.name()).append(": ");
    if (b instanceof VmStateDecodeException d && d.isTruncation()) {
      sb.append("stream cut at byte ").append(src.size()).append(": ");
    }
    sb.append(b.getMessage());
    if (b instanceof VmStateDecodeException d && d.isMissingDescription()) {
      sb.append("; pass --desc-from FILE (another stream from the same QEMU and machine, or the")
          .append(" JSON of dump --desc)");
    } else if (b instanceof VmStateDecodeException d && d.isTruncation()) {
      sb.append("; the sections before it were decoded, the rest of the stream is missing");
    }
    err.println(escape(sb.toString()));
    err.flush();
    return VmStateCli.BAD_DATA;
  }

  /**
   * The one escaping of text for the terminal: every message that may quote stream text (idstrs,
   * field names, vmdesc strings) goes through here, so no control character from a stream reaches
   * the terminal. C0 and C1 controls and DEL become {@code \xNN} ({@code \n}, {@code \t}, {@code
   * \r} as such); a backslash stays as it is.
   */
  static String escape(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0);
      if (!control) {
        if (sb != null) {
          sb.append(c);
        }
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> sb.append(String.format("\\x%02x", (int) c));
      }
    }
    return sb == null ? s : sb.toString();
  }
}

package io.vmstate.stream;

import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A stream to read: a file (whose vmdesc trailer is located first, so every device can be decoded
 * in one forward pass) or bytes in memory.
 */
public final class StreamSource implements AutoCloseable {
  private final String name;
  private final InputStream in;
  private final long size;
  private final Vmdesc vmdesc;

  private StreamSource(String name, InputStream in, long size, Vmdesc vmdesc) {
    this.name = name;
    this.in = in;
    this.size = size;
    this.vmdesc = vmdesc;
  }

  /**
   * Opens a file, reading a vmdesc of up to {@link Vmdesc#DEFAULT_MAX_BYTES} (see {@link
   * #open(Path, int)}).
   */
  public static StreamSource open(Path file) throws IOException, VmStateDecodeException {
    return open(file, Vmdesc.DEFAULT_MAX_BYTES);
  }

  /**
   * Opens a file; {@link NoSuchFileException} when it is missing, {@link FileSystemException} when
   * it is a directory or not a regular file, and a {@link VmStateDecodeException} when it is empty
   * or does not start with the stream magic (checked before anything else is read).
   *
   * @param maxVmdescBytes the largest vmdesc JSON accepted (a longer one is a typed error)
   */
  public static StreamSource open(Path file, int maxVmdescBytes)
      throws IOException, VmStateDecodeException {
    checkFile(file);
    return new StreamSource(
        file.toString(),
        Files.newInputStream(file),
        Files.size(file),
        VmdescLocator.locate(file, maxVmdescBytes));
  }

  /**
   * Opens a file whose vmdesc trailer the caller already located with {@link VmdescLocator#locate}
   * (null: the file has none), checked as {@link #open(Path, int)} checks it: a command-line tool
   * locates it on a second thread while it reads its arguments.
   */
  public static StreamSource open(Path file, @Nullable Vmdesc located)
      throws IOException, VmStateDecodeException {
    checkFile(file);
    return new StreamSource(file.toString(), Files.newInputStream(file), Files.size(file), located);
  }

  private static void checkFile(Path file) throws IOException, VmStateDecodeException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "is a directory, not a stream file");
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new FileSystemException(file.toString(), null, "is not a regular file");
    }
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, 4);
    }
    checkMagic(file.toString(), head, n);
  }

  /**
   * Reads all of {@code in} (standard input) into memory: the vmdesc a dump decodes devices with is
   * at the end of the stream.
   */
  public static StreamSource read(String name, InputStream in)
      throws IOException, VmStateDecodeException {
    return of(name, in.readAllBytes());
  }

  /**
   * Refuses what cannot be a stream before anything else is read: empty input, or a first word that
   * is not {@code "QEVM"}. A shorter prefix of the magic is left for the reader to call cut.
   */
  private static void checkMagic(String name, byte[] head, int n) throws VmStateDecodeException {
    if (n == 0) {
      throw VmStateDecodeException.corrupt(name + " is empty (0 bytes), not a migration stream");
    }
    for (int i = 0; i < n; i++) {
      if (head[i] != MAGIC[i]) {
        throw VmStateDecodeException.corrupt(
                name
                    + " is not a QEMU migration stream: it starts with "
                    + HexFormat.ofDelimiter(" ").withPrefix("0x").formatHex(head, 0, n)
                    + ", a stream with 0x51 0x45 0x56 0x4d (\"QEVM\")")
            .atOffset(0);
      }
    }
  }

  private static final byte[] MAGIC = {'Q', 'E', 'V', 'M'};

  /**
   * A stream held in memory, its vmdesc located first.
   *
   * @param name what messages call it
   */
  public static StreamSource of(String name, byte[] bytes) throws VmStateDecodeException {
    checkMagic(name, bytes, Math.min(bytes.length, 4));
    return new StreamSource(
        name, new java.io.ByteArrayInputStream(bytes), bytes.length, VmdescLocator.scan(bytes, 0));
  }

  /** What messages call the stream (e.g. its file name). */
  public String name() {
    return name;
  }

  /** The size in bytes. */
  public long size() {
    return size;
  }

  /** The vmdesc found at the end, or null. */
  public @Nullable Vmdesc vmdesc() {
    return vmdesc;
  }

  /**
   * A reader positioned at the start, using the located vmdesc, or when the stream has none the one
   * in {@code options} (another stream's, from the same QEMU and machine).
   */
  public MigrationStreamReader reader(ReaderOptions options) {
    return new MigrationStreamReader(
        WireInput.of(in, 256 * 1024), vmdesc != null ? options.withVmdesc(vmdesc) : options);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

package io.vmstate.stream;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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
   * Opens a file, reading a vmdesc of up to {@link Vmdesc#DEFAULT_MAX_BYTES}; {@link
   * java.nio.file.NoSuchFileException} when it is missing.
   */
  public static StreamSource open(Path file) throws IOException, VmStateDecodeException {
    return open(file, Vmdesc.DEFAULT_MAX_BYTES);
  }

  /**
   * Opens a file; {@link java.nio.file.NoSuchFileException} when it is missing.
   *
   * @param maxVmdescBytes the largest vmdesc JSON accepted (a longer one is a typed error)
   */
  public static StreamSource open(Path file, int maxVmdescBytes)
      throws IOException, VmStateDecodeException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    Vmdesc v = VmdescLocator.locate(file, maxVmdescBytes);
    return new StreamSource(file.toString(), Files.newInputStream(file), Files.size(file), v);
  }

  /**
   * A stream held in memory, its vmdesc located first.
   *
   * @param name what messages call it
   */
  public static StreamSource of(String name, byte[] bytes) throws VmStateDecodeException {
    return new StreamSource(
        name, new java.io.ByteArrayInputStream(bytes), bytes.length, VmdescLocator.scan(bytes, 0));
  }

  public String name() {
    return name;
  }

  /** The size in bytes. */
  public long size() {
    return size;
  }

  /** The vmdesc found at the end, or null. */
  public Vmdesc vmdesc() {
    return vmdesc;
  }

  /** A reader positioned at the start, using the located vmdesc. */
  public MigrationStreamReader reader(ReaderOptions options) {
    return new MigrationStreamReader(WireInput.of(in, 256 * 1024), options.withVmdesc(vmdesc));
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

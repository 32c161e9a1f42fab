package io.vmstate.testkit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Wraps a stream so that every {@code read(byte[], int, int)} returns at most {@code chunk} bytes
 * (and {@link #available()} never promises more). Decoders must not assume a read fills the buffer;
 * feed them a {@code ChunkedInputStream.of(bytes, 1)} to prove it.
 */
public final class ChunkedInputStream extends InputStream {
  private final InputStream in;
  private final int chunk;
  private long position;

  /** Wraps {@code in} so that a read returns at most {@code chunk} bytes (at least 1). */
  public ChunkedInputStream(InputStream in, int chunk) {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be >= 1: " + chunk);
    }
    this.in = Objects.requireNonNull(in, "in");
    this.chunk = chunk;
  }

  /** A stream over {@code data} that returns at most {@code chunk} bytes per read. */
  public static ChunkedInputStream of(byte[] data, int chunk) {
    return new ChunkedInputStream(new ByteArrayInputStream(data), chunk);
  }

  /** Bytes handed out so far. */
  public long position() {
    return position;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      position++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, Math.min(len, chunk));
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long s = in.skip(Math.min(n, chunk));
    if (s > 0) {
      position += s;
    }
    return s;
  }

  @Override
  public int available() throws IOException {
    return Math.min(in.available(), chunk);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

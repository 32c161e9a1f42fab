package io.vmstate.transport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies what is read from {@code in} to {@code out}. */
final class TeeInputStream extends FilterInputStream {
  private final OutputStream out;

  TeeInputStream(InputStream in, OutputStream out) {
    super(in);
    this.out = out;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      out.write(b);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      out.write(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] scratch = new byte[(int) Math.min(n, 8192)];
    long left = n;
    while (left > 0) {
      int r = read(scratch, 0, (int) Math.min(left, scratch.length));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}

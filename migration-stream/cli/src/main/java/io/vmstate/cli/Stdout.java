package io.vmstate.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The process's stdout as the commands see it. When the reader of a pipe has gone ({@code vmstate
 * dump | head}), a write fails with {@link Gone}, which the CLI ends on quietly, as command-line
 * tools do; any other write error (a full disk) stays an I/O error that is reported.
 */
final class Stdout extends FilterOutputStream {
  /** The reader of stdout has gone (EPIPE). */
  static final class Gone extends IOException {
    private static final long serialVersionUID = 1L;

    Gone(IOException cause) {
      super("stdout was closed by its reader", cause);
    }
  }

  Stdout(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    try {
      out.write(b);
    } catch (IOException e) {
      throw gone(e);
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw gone(e);
    }
  }

  @Override
  public void flush() throws IOException {
    try {
      out.flush();
    } catch (IOException e) {
      throw gone(e);
    }
  }

  /** {@link Gone} for a broken pipe, else {@code e} itself. */
  private static IOException gone(IOException e) {
    return e instanceof Gone || !"Broken pipe".equals(e.getMessage()) ? e : new Gone(e);
  }

  /** Whether {@code t} (or one of its causes) says that stdout's reader has gone. */
  static boolean isGone(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof Gone) {
        return true;
      }
    }
    return false;
  }
}

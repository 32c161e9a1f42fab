package io.vmstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * `vmstate dump | head`: a closed pipe ends the command quietly; other write errors are reported.
 */
class StdoutTest {
  /** Takes {@code room} bytes, then fails every write with {@code message}. */
  private static OutputStream failingAfter(int room, String message) {
    return new OutputStream() {
      private int left = room;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len > left) {
          throw new IOException(message);
        }
        left -= len;
      }
    };
  }

  private static int dump(OutputStream out, StringWriter err) {
    return VmStateCli.run(new String[] {"dump"}, out, new PrintWriter(err));
  }

  @Test
  void aClosedPipeEndsTheDumpQuietly() {
    StringWriter err = new StringWriter();
    int rc = dump(new Stdout(failingAfter(100, "Broken pipe")), err);
    assertEquals(0, rc, err.toString());
    assertEquals("", err.toString());
  }

  @Test
  void otherWriteErrorsAreReportedOnce() {
    StringWriter err = new StringWriter();
    int rc = dump(new Stdout(failingAfter(100, "No space left on device")), err);
    assertEquals(VmStateCli.BAD_DATA, rc);
    assertEquals("vmstate: I/O error: No space left on device", err.toString().strip());
  }

  @Test
  void onlyABrokenPipeIsGone() {
    Stdout s = new Stdout(failingAfter(0, "Broken pipe"));
    assertTrue(Stdout.isGone(assertThrows(IOException.class, () -> s.write(1))));
    Stdout t = new Stdout(failingAfter(0, "Input/output error"));
    IOException e = assertThrows(IOException.class, () -> t.write(new byte[4], 0, 4));
    assertFalse(Stdout.isGone(e));
    assertEquals("Input/output error", e.getMessage());
  }
}

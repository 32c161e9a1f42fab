package io.vmstate.testkit;

/**
 * A real-QEMU harness failure: QEMU did not start, died, timed out, answered {@code FAIL}, or a
 * migration failed. The message carries QEMU's stderr when there is any.
 */
public class QemuException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}. */
  public QemuException(String message) {
    super(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public QemuException(String message, Throwable cause) {
    super(message, cause);
  }
}

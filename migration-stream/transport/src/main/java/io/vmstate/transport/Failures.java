package io.vmstate.transport;

import io.netty.handler.timeout.ReadTimeoutException;
import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/** Maps whatever Netty or the JDK threw into the typed exception family. */
final class Failures {
  private Failures() {}

  /**
   * The typed failure for {@code t}: a {@link VmStateException} found in the cause chain is
   * returned as is; TLS, timeout and I/O failures become the matching {@link
   * MigrationTransportException}.
   *
   * @param waitingFor what this endpoint was doing, for a timeout message
   * @param timeout the configured idle timeout, for a timeout message
   */
  static VmStateException classify(Throwable t, String waitingFor, Duration timeout) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof VmStateException v) {
        return v;
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException) {
        return MigrationTransportException.tlsRefused(c);
      }
      if (c instanceof ReadTimeoutException) {
        return MigrationTransportException.timedOut(waitingFor, timeout);
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ClosedChannelException) {
        return MigrationTransportException.peerClosed();
      }
      if (c instanceof IOException io) {
        return MigrationTransportException.peerClosed(io);
      }
    }
    return MigrationTransportException.internal(t);
  }
}

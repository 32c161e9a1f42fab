package io.vmstate.cli.transport;

import io.netty.handler.ssl.SslContext;
import io.vmstate.transport.MigrationSession;
import io.vmstate.transport.ProgressListener;
import io.vmstate.transport.Tls;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options and helpers shared by {@code send} and {@code receive}. */
final class TransportCli {
  private TransportCli() {}

  /** TLS options; TLS is on when a key store or trust store is given. */
  /**
   * The options every transport command takes: the protocol and the idle timeout. (The TLS group
   * stays on each command: picocli lists an argument group inside a mixin twice in the help.)
   */
  static final class SessionOptions {
    @Option(names = "--framed", description = "use the framed vmstate session protocol")
    boolean framed;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        defaultValue = "30",
        description = "fail when nothing moves for this long (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(
        names = "--min-rate",
        paramLabel = "BYTES",
        defaultValue = "1024",
        description =
            "progress floor: fail when fewer bytes than this per second move, on average over"
                + " --rate-window (a peer trickling bytes resets --timeout; default:"
                + " ${DEFAULT-VALUE}; 0 turns the floor off)")
    long minRate;

    @Option(
        names = "--rate-window",
        paramLabel = "SECONDS",
        defaultValue = "30",
        description = "the window --min-rate is averaged over (default: ${DEFAULT-VALUE})")
    int rateWindowSeconds;

    @Option(
        names = "--deadline",
        paramLabel = "SECONDS",
        defaultValue = "86400",
        description =
            "fail a migration still running this long after it connected (default:"
                + " ${DEFAULT-VALUE})")
    long deadlineSeconds;

    /** Transport options for a server ({@code receive}) or a client ({@code send}). */
    io.vmstate.transport.TransportOptions options(
        boolean server, TlsOptions tls, CommandLine cl, PrintWriter progress)
        throws IOException, GeneralSecurityException {
      return builder(server, tls, cl, progress).build();
    }

    /** The options of {@link #options}, to add to. */
    io.vmstate.transport.TransportOptions.Builder builder(
        boolean server, TlsOptions tls, CommandLine cl, PrintWriter progress)
        throws IOException, GeneralSecurityException {
      if (minRate < 0 || rateWindowSeconds < 1 || deadlineSeconds < 1) {
        throw new CommandLine.ParameterException(
            cl, "--min-rate must be >= 0, --rate-window and --deadline >= 1");
      }
      return io.vmstate.transport.TransportOptions.builder()
          .idleTimeout(java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds)))
          .progressFloor(minRate, java.time.Duration.ofSeconds(rateWindowSeconds))
          .deadline(java.time.Duration.ofSeconds(deadlineSeconds))
          .ssl(tls.context(server, cl))
          .progress(progressTo(progress));
    }
  }

  static final class TlsOptions {
    @Option(
        names = "--tls-keystore",
        paramLabel = "P12",
        description = "PKCS#12 key store with this side's certificate and key")
    Path keyStore;

    @Option(
        names = "--tls-truststore",
        paramLabel = "P12",
        description = "PKCS#12 trust store with the certificates of accepted peers")
    Path trustStore;

    @Option(
        names = "--tls-password-env",
        paramLabel = "VAR",
        defaultValue = "VMSTATE_TLS_PASSWORD",
        description =
            "environment variable holding the stores' password (default: ${DEFAULT-VALUE})")
    String passwordEnv;

    SslContext context(boolean server, CommandLine cl)
        throws IOException, GeneralSecurityException {
      if (keyStore == null && trustStore == null) {
        return null;
      }
      if (trustStore == null || (server && keyStore == null)) {
        throw new CommandLine.ParameterException(
            cl,
            server
                ? "TLS needs both --tls-keystore and --tls-truststore on the receiving side"
                : "TLS needs --tls-truststore (and --tls-keystore for a client certificate)");
      }
      String pw = System.getenv(passwordEnv);
      char[] pass = pw == null ? new char[0] : pw.toCharArray();
      return server
          ? Tls.server(keyStore, pass, trustStore, pass)
          : Tls.client(keyStore, pass, trustStore, pass);
    }
  }

  /** Parses {@code HOST:PORT} (IPv6 hosts in brackets). */
  static InetSocketAddress address(String hostPort, CommandLine cl) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new CommandLine.ParameterException(cl, "expected HOST:PORT, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(cl, "bad port in '" + hostPort + "'");
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(cl, "port out of range in '" + hostPort + "'");
    }
    return new InetSocketAddress(host, port);
  }

  /** Progress on stderr, at most about once a second. */
  static ProgressListener progressTo(PrintWriter err) {
    long[] last = {0};
    return (MigrationSession s, long bytes, int sections) -> {
      long now = System.nanoTime();
      if (now - last[0] >= 1_000_000_000L) {
        last[0] = now;
        err.printf("vmstate: %s: %d bytes, %d sections%n", s, bytes, sections);
        err.flush();
      }
    };
  }

  /**
   * The last progress line, with the figures of the summary: the throttled lines may have missed
   * the end (a receiver decodes most device sections only once the stream ended).
   */
  static void finalProgress(
      PrintWriter err, MigrationSession s, io.vmstate.transport.MigrationResult r) {
    err.printf("vmstate: %s: %d bytes, %d sections, done%n", s, r.bytes(), r.sections());
    err.flush();
  }

  static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}

package io.vmstate.cli.transport;

import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.transport.MigrationDestination;
import io.vmstate.transport.MigrationResult;
import io.vmstate.transport.MigrationSession;
import io.vmstate.transport.QemuStreamSink;
import io.vmstate.transport.StreamFileTarget;
import io.vmstate.transport.TransportOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmstate receive --listen HOST:PORT -o FILE [--framed]}. */
@Command(
    name = "receive",
    mixinStandardHelpOptions = true,
    description = {
      "Receive one migration on HOST:PORT into FILE.",
      "Raw (default): accepts QEMU's 'migrate tcp:HOST:PORT' (or 'vmstate send'), writes"
          + " FILE.partial and decodes the stream as it arrives (header, configuration, RAM; device"
          + " sections QEMU describes only in its trailing vmdesc once that is in), and keeps FILE"
          + " only when all of it decoded.",
      "--framed: a verified session from 'vmstate send --framed'; FILE becomes the sender's"
          + " stream byte for byte, decoded as it arrives (CRC32C per chunk) and kept only when"
          + " every section decoded and the totals agree. A device-state-only sender is refused"
          + " unless --device-state-only.",
      "Raw: a sender that half-closes after its last byte ('vmstate send') gets the verdict as"
          + " QEMU's return path gives it (SHUT, status 0 when FILE was kept, 1 when not).",
      "Prints the bound address on stderr and a JSON summary on stdout; exit 0 ok, 1 failed"
          + " migration or bad data, 2 usage."
    })
public final class ReceiveCommand implements Callable<Integer> {
  @Option(
      names = "--listen",
      required = true,
      paramLabel = "HOST:PORT",
      description = "address to listen on (port 0: any free port, printed on stderr)")
  String listen;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "where the received stream goes (required)")
  Path out;

  /** The option's old name, kept working and out of the help (docs/cli.md, naming scheme). */
  @Option(names = "--out", hidden = true, paramLabel = "FILE")
  Path deprecatedOut;

  @Mixin TransportCli.SessionOptions session;

  @Option(
      names = "--max-session-staged",
      paramLabel = "BYTES",
      defaultValue = "1073741824",
      description =
          "--framed: most section bytes one session may stage before it is applied (default:"
              + " ${DEFAULT-VALUE})")
  long maxSessionStaged;

  @Option(
      names = "--max-staged",
      paramLabel = "BYTES",
      defaultValue = "2147483648",
      description =
          "--framed: most section bytes all sessions of this receiver stage at once; new sessions"
              + " are refused (LIMIT_EXCEEDED) while it is exhausted (default: ${DEFAULT-VALUE})")
  long maxStaged;

  @Option(
      names = "--device-state-only",
      description =
          "--framed: also accept 'send --framed --device-state-only': FILE then becomes a"
              + " device-state stream (header, device sections, EOF; no vmdesc), kept only when"
              + " every section decoded with our typed descriptions (the GICs) or"
              + " --desc-from")
  boolean deviceStateOnly;

  @Option(
      names = "--desc-from",
      paramLabel = "FILE",
      description = "--device-state-only: " + io.vmstate.cli.Cli.DESC_FROM)
  Path descFrom;

  @ArgGroup(exclusive = false)
  TransportCli.TlsOptions tls = new TransportCli.TlsOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    InetSocketAddress at = TransportCli.address(listen, spec.commandLine());
    PrintWriter err = spec.commandLine().getErr();
    if (out != null && deprecatedOut != null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "give -o/--output once (--out is its old name)");
    }
    if (out == null) {
      out = deprecatedOut;
    }
    if (out == null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "Missing required option: '--output=FILE'");
    }
    if (deviceStateOnly && !session.framed) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--device-state-only is for framed receives (--framed)");
    }
    if (descFrom != null && !deviceStateOnly) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--desc-from is for --device-state-only receives");
    }
    Vmdesc descriptions = descFrom == null ? null : io.vmstate.cli.Cli.desc(descFrom);
    if (maxSessionStaged < 1 || maxStaged < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--max-session-staged and --max-staged must be >= 1");
    }
    TransportOptions options =
        session
            .builder(true, tls, spec.commandLine(), err)
            .maxStagedBytes(maxSessionStaged)
            .maxReceiverStagedBytes(maxStaged)
            .build();
    CompletableFuture<MigrationSession> first = new CompletableFuture<>();
    try (MigrationDestination dest = MigrationDestination.create(options)) {
      SocketAddress bound =
          session.framed
              ? dest.listenFramed(
                  at,
                  s -> {
                    first.complete(s);
                    return new StreamFileTarget(out, deviceStateOnly, descriptions);
                  })
              : dest.listenRaw(
                  at,
                  s -> {
                    first.complete(s);
                    return QemuStreamSink.toFile(out);
                  });
      err.println("vmstate: listening on " + bound);
      err.flush();
      MigrationSession s = first.get();
      MigrationResult r = s.await(Duration.ofDays(365));
      TransportCli.finalProgress(err, s, r);
      spec.commandLine()
          .getOut()
          .printf(
              "{\"out\": \"%s\", \"from\": \"%s\", \"mode\": \"%s\", \"ok\": true, \"outcome\": \"received\","
                  + " \"bytes\": %d,"
                  + " \"sections\": %d, \"millis\": %d}%n",
              TransportCli.json(out.toString()),
              TransportCli.json(String.valueOf(s.remoteAddress())),
              session.framed ? "framed" : "raw",
              r.bytes(),
              r.sections(),
              r.elapsed().toMillis());
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}

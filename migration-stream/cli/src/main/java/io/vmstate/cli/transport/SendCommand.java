package io.vmstate.cli.transport;

import io.vmstate.transport.MigrationResult;
import io.vmstate.transport.MigrationSession;
import io.vmstate.transport.MigrationSource;
import io.vmstate.transport.StreamFileSections;
import io.vmstate.transport.TransportOptions;
import io.vmstate.transport.WholeStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate send FILE --to HOST:PORT [--framed]}. */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Send a migration stream file to HOST:PORT.",
      "Raw (default): the file's bytes as QEMU's 'migrate tcp:' sends them, e.g. into"
          + " 'qemu-system-aarch64 -incoming tcp:HOST:PORT' or 'vmstate receive'.",
      "--framed: a verified session with 'vmstate receive --framed': the file's device sections"
          + " are announced and checked by the destination before anything moves, then every byte"
          + " of FILE (RAM, vmdesc and all) goes in CRC32C-checked chunks; the receiver decodes"
          + " every section and keeps its copy, identical to FILE, only when all of it decoded."
          + " With --device-state-only, only the device sections are sent.",
      "Raw migration has no acknowledgement: after the last byte the sender half-closes and"
          + " waits for the receiver. The summary's \"outcome\" says what is known: \"loaded\""
          + " (the receiver said so on QEMU's return path: 'vmstate receive', or QEMU with the"
          + " return-path capability), \"delivered\" (it read everything and closed, no verdict),"
          + " \"sent\" (handed to the connection, nothing more known), \"applied\" (framed: the receiver decoded and kept it)."
          + " A receiver that reports a failed load, or resets the connection, fails the send.",
      "Prints a JSON summary on stdout; exit 0 no failure seen (see \"outcome\"), 1 failed"
          + " migration or bad data, 2 usage."
    })
public final class SendCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "HOST:PORT",
      description = "the receiver's address ('vmstate receive --listen', or QEMU -incoming tcp:)")
  String to;

  @Mixin TransportCli.SessionOptions session;

  @Option(
      names = "--return-path",
      description =
          "raw: insert QEMU's OPEN_RETURN_PATH command after FILE's configuration section (as"
              + " QEMU's source does with the return-path capability; the only change to the"
              + " stream, 5 bytes) so that a QEMU destination reports its load: outcome"
              + " \"loaded\", or exit 1 when it closes without reporting one")
  boolean returnPath;

  @Option(
      names = "--device-state-only",
      description =
          "--framed: send only FILE's device sections (no configuration, RAM or vmdesc); the"
              + " receiver must accept that with its own --device-state-only")
  boolean deviceStateOnly;

  @ArgGroup(exclusive = false)
  TransportCli.TlsOptions tls = new TransportCli.TlsOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString());
    }
    InetSocketAddress at = TransportCli.address(to, spec.commandLine());
    TransportOptions options =
        session.options(false, tls, spec.commandLine(), spec.commandLine().getErr());
    try (MigrationSource source = MigrationSource.create(options)) {
      if (returnPath && session.framed) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--return-path is for raw sends (framed sessions confirm anyway)");
      }
      if (deviceStateOnly && !session.framed) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--device-state-only is for framed sends (--framed)");
      }
      MigrationSession s =
          session.framed
              ? deviceStateOnly
                  ? source.sendFramed(at, StreamFileSections.open(file))
                  : source.sendFramed(at, WholeStream.open(file))
              : returnPath ? source.sendFileOpeningReturnPath(at, file) : source.sendFile(at, file);
      MigrationResult r = s.await(Duration.ofDays(365));
      TransportCli.finalProgress(spec.commandLine().getErr(), s, r);
      spec.commandLine()
          .getOut()
          .printf(
              "{\"file\": \"%s\", \"to\": \"%s\", \"mode\": \"%s\", \"outcome\": \"%s\","
                  + " \"known\": \"%s\", \"bytes\": %d, \"sections\": %d, \"millis\": %d}%n",
              TransportCli.json(file.toString()),
              TransportCli.json(to),
              session.framed ? "framed" : "raw",
              r.outcome().name().toLowerCase(java.util.Locale.ROOT),
              known(r.outcome()),
              r.bytes(),
              r.sections(),
              r.elapsed().toMillis());
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  /** What the outcome means, for the summary. */
  static String known(MigrationResult.Outcome o) {
    return switch (o) {
      case APPLIED -> "the destination verified and applied every section";
      case LOADED -> "the receiver reported on the return path that it loaded the stream";
      case DELIVERED ->
          "the receiver read the whole stream and closed without a verdict; whether it loaded"
              + " is not known";
      case SENT -> "every byte was handed to the connection; nothing more is known";
      case RECEIVED -> "received and verified";
    };
  }
}

package io.vmstate.cli;

import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.schema.json.CompatCommand;
import io.vmstate.schema.json.SchemaFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmstate check-compat OLD [NEW] [--json] [--class-path JARS]}: NEW defaults to today's
 * schemas, what {@code vmstate schema} prints (with the descriptions of {@code --class-path}). the
 * exit status is the number of errors, so the statuses of bad input, bad usage and crashes are
 * moved out of that range, to the top (see {@link #BAD_INPUT}).
 */
@Command(
    name = "check-compat",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = CheckCompatCommand.USAGE,
    exitCodeOnExecutionException = CheckCompatCommand.INTERNAL,
    description = {
      "Check that migration streams written with schema OLD load with schema NEW (the rules of"
          + " QEMU's vmstate-static-checker.py, judged on the wire layout).",
      "OLD and NEW are files from 'vmstate schema' (any --format) or QEMU's -dump-vmstate.",
      "Without NEW, OLD is checked against what 'vmstate schema' prints now (with the descriptions"
          + " of --class-path).",
      "One line per problem: 'error|warning: DEVICE: FIELD/PATH: message', then a summary."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:compatible (warnings do not count)",
      "1-252:the number of errors (252 means 252 or more)",
      "253:OLD, NEW or a --class-path jar is missing, unreadable or not a schema or provider",
      "254:usage error (bad options or arguments)",
      "255:internal failure"
    })
final class CheckCompatCommand implements Callable<Integer> {
  /** The highest error count reported as such. */
  static final int MAX_ERRORS = 252;

  /** A schema file is missing, unreadable or malformed. */
  static final int BAD_INPUT = 253;

  /** Bad options or arguments. */
  static final int USAGE = 254;

  /** An unexpected failure. */
  static final int INTERNAL = 255;

  @Parameters(index = "0", paramLabel = "OLD", description = "Schema of the stream's producer.")
  Path oldSchema;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "NEW",
      description = "Schema of the loader; without it, today's (vmstate schema's).")
  Path newSchema;

  @Mixin UserDescriptions userDescriptions;

  @Option(
      names = "--json",
      description = "Print the report as JSON ({errors, warnings, problems}).")
  boolean json;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    int status;
    try (InputStream o = Files.newInputStream(oldSchema);
        InputStream n = newSchema != null ? Files.newInputStream(newSchema) : today()) {
      status = CompatCommand.run(o, n, json, report);
    } catch (NoSuchFileException e) {
      return badInput("no such file: " + e.getFile());
    } catch (UserDescriptions.RefusedException e) {
      return badInput(e.getMessage());
    } catch (SchemaFormatException e) {
      return badInput(e.getMessage());
    } catch (IOException e) {
      return badInput("I/O error: " + e.getMessage());
    }
    spec.commandLine().getOut().print(report.toString(StandardCharsets.UTF_8));
    spec.commandLine().getOut().flush();
    return Math.min(status, MAX_ERRORS);
  }

  /** Today's schemas, as {@code vmstate schema --format proto} writes them. */
  private InputStream today() throws IOException, UserDescriptions.RefusedException {
    ByteArrayOutputStream proto = new ByteArrayOutputStream();
    SchemaFiles.write(
        SchemaCommand.withUsers(userDescriptions.load()), proto, SchemaFiles.Format.PROTO);
    return new ByteArrayInputStream(proto.toByteArray());
  }

  private int badInput(String message) {
    spec.commandLine().getErr().println("vmstate check-compat: " + message);
    return BAD_INPUT;
  }
}

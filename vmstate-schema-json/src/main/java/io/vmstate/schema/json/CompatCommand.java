package io.vmstate.schema.json;

import io.vmstate.api.compat.CompatChecker;
import io.vmstate.api.compat.CompatReport;
import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.api.schema.proto.SchemaSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The logic behind {@code vmstate check-compat OLD NEW [--json]}, for the CLI to wire up: read two
 * schema files (QEMU {@code -dump-vmstate} JSON, our extended JSON or a protobuf {@code SchemaSet},
 * detected per file), check, print, and return the exit status (the number of errors, capped at
 * 255; warnings do not count).
 */
public final class CompatCommand {
  private CompatCommand() {}

  /** Reads both schemas and checks that streams written with the old one load with the new one. */
  public static CompatReport run(InputStream oldSchema, InputStream newSchema)
      throws IOException, SchemaFormatException {
    SchemaSet o;
    try {
      o = SchemaFiles.read(oldSchema);
    } catch (SchemaFormatException e) {
      throw e.inField("OLD");
    }
    SchemaSet n;
    try {
      n = SchemaFiles.read(newSchema);
    } catch (SchemaFormatException e) {
      throw e.inField("NEW");
    }
    return CompatChecker.standard().check(o, n);
  }

  /**
   * Runs the check and prints the report to {@code out}: one line per problem and a summary, or
   * with {@code json} the JSON form. Returns the exit status.
   */
  public static int run(
      InputStream oldSchema, InputStream newSchema, boolean json, OutputStream out)
      throws IOException, SchemaFormatException {
    CompatReport report = run(oldSchema, newSchema);
    if (json) {
      CompatReportJson.write(report, out);
    } else {
      PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
      ps.print(report.toText());
      ps.flush();
    }
    return report.exitStatus();
  }
}

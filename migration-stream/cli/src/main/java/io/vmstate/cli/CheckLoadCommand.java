package io.vmstate.cli;

import io.vmstate.api.VmStateException;
import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.schema.json.SchemaJsonReader;
import io.vmstate.stream.LoadCheck;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate check-load STREAM --against DUMP.json}: would this QEMU load it? */
@Command(
    name = "check-load",
    mixinStandardHelpOptions = true,
    description = {
      "Tell whether the QEMU that wrote DUMP (its -dump-vmstate output) would load STREAM: for"
          + " each device section, the section version inside the destination's window, every"
          + " subsection known to it, every field on both sides with the same element size (and"
          + " count where the dump has one).",
      "Exit 0 when no problem is found, 1 with one line per problem (section, subsection,"
          + " field) or when the stream cannot be decoded, 2 on usage or an unreadable DUMP.",
      "What a -dump-vmstate cannot tell (sections outside device classes, counts decided at run"
          + " time, field_exists tests) is listed after 'note:' and is not claimed to pass."
    })
final class CheckLoadCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STREAM", description = Cli.STREAM_FILE)
  Path file;

  @Option(
      names = "--against",
      required = true,
      paramLabel = "DUMP",
      description = "the destination QEMU's -dump-vmstate JSON (may be gzipped)")
  Path against;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    SchemaSet dest;
    try (InputStream raw = Files.newInputStream(against);
        InputStream in = gunzipped(raw)) {
      dest = SchemaJsonReader.read(in);
    } catch (SchemaFormatException e) {
      spec.commandLine()
          .getErr()
          .println(Cli.escape("vmstate: " + against + ": " + e.getMessage()));
      return VmStateCli.USAGE;
    }
    LoadCheck check = new LoadCheck(dest);
    PrintWriter out = spec.commandLine().getOut();
    try (StreamSource src = Cli.open(file)) {
      MigrationStreamReader r = src.reader(Cli.options(descFrom));
      try {
        for (StreamEvent e = r.next(); e != null; e = r.next()) {
          if (e instanceof StreamEvent.Configuration c) {
            check.configuration(c.configuration());
          } else if (e instanceof StreamEvent.Section s && s.type().hasFullHeader()) {
            check.section(
                s.section(),
                r.vmdesc() == null
                    ? null
                    : r.vmdesc().device(s.section().idstr(), s.section().instanceId()));
          }
        }
      } catch (VmStateException x) {
        for (LoadCheck.Problem p : check.problems()) {
          out.println(Cli.escape(p.toString()));
        }
        out.flush();
        return Cli.reportBreak(src, x, spec.commandLine().getErr());
      }
    }
    for (LoadCheck.Problem p : check.problems()) {
      out.println(Cli.escape(p.toString()));
    }
    for (String n : check.notes()) {
      out.println(Cli.escape("note: " + n));
    }
    int n = check.problems().size();
    out.println(
        n == 0
            ? "no problem found in the "
                + check.checkedSections()
                + " device sections checked"
                + (check.notes().isEmpty() ? "" : "; the notes say what could not be checked")
            : "would not load: " + n + " problem" + (n == 1 ? "" : "s"));
    out.flush();
    return n == 0 ? 0 : VmStateCli.BAD_DATA;
  }

  private static InputStream gunzipped(InputStream raw) throws java.io.IOException {
    InputStream in = new java.io.BufferedInputStream(raw);
    in.mark(2);
    int a = in.read();
    int b = in.read();
    in.reset();
    return a == 0x1f && b == 0x8b ? new GZIPInputStream(in) : in;
  }
}

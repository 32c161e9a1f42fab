package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateException;
import io.vmstate.dump.PythonJson;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate sections FILE}. */
@Command(
    name = "sections",
    mixinStandardHelpOptions = true,
    description = {
      "List the sections of a stream: type, id, idstr, instance, version, offset, size.",
      "Device bodies carry no length, so a stream without a vmdesc is listed up to the first"
          + " device nothing describes (see --desc-from); the listing then ends and exits 1."
    })
final class SectionsCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE", description = Cli.STREAM_FILE)
  Path file;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Option(names = "--json", description = "print a JSON list instead of a table")
  boolean json;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      MigrationStreamReader r =
          src.reader(Cli.options(descFrom).withRequireVmdesc(false)).withTypedStandIns();
      progress.track(r);
      VmStateException brk = null;
      JsonGenerator g = json ? PythonJson.generator(out) : null;
      if (g != null) {
        g.writeStartArray();
      } else {
        out.printf(
            "%-5s %6s  %-32s %8s %7s %12s %12s%n",
            "TYPE", "ID", "IDSTR", "INSTANCE", "VERSION", "OFFSET", "SIZE");
      }
      try {
        list(r, g, out);
      } catch (VmStateException x) {
        brk = x; // what was listed stays; the JSON list is closed below
      }
      if (g != null) {
        g.writeEndArray();
        g.flush();
        out.println();
      }
      out.flush();
      if (brk != null) {
        return Cli.reportBreak(src, brk, spec.commandLine().getErr());
      }
    }
    return 0;
  }

  /** Lists the sections one per footer read. */
  private static void list(MigrationStreamReader r, JsonGenerator g, PrintWriter out)
      throws VmStateException, java.io.IOException {
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (!(e instanceof StreamEvent.Footer f)) {
        continue;
      }
      StreamEvent.Section s = f.section();
      if (g != null) {
        g.writeStartObject();
        g.writeStringField("type", s.type().name());
        g.writeNumberField("id", Integer.toUnsignedLong(s.sectionId()));
        g.writeStringField("idstr", s.section().idstr());
        g.writeNumberField("instance", s.section().instanceId());
        g.writeNumberField("version", s.section().versionId());
        g.writeNumberField("offset", s.offset());
        g.writeNumberField("size", f.sectionSize());
        g.writeEndObject();
      } else {
        out.printf(
            "%-5s %6d  %-32s %8d %7d %12d %12d%n",
            s.type(),
            Integer.toUnsignedLong(s.sectionId()),
            Cli.escape(s.section().idstr()),
            s.section().instanceId(),
            s.section().versionId(),
            s.offset(),
            f.sectionSize());
      }
    }
  }
}

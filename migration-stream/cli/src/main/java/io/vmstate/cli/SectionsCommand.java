package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.dump.PythonJson;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
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
    description =
        "List the sections of a stream: type, id, idstr, instance, version, offset, size.")
final class SectionsCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Option(names = "--json", description = "print a JSON list instead of a table")
  boolean json;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      MigrationStreamReader r = src.reader(ReaderOptions.DEFAULT.withRequireVmdesc(false));
      progress.track(r);
      JsonGenerator g = json ? PythonJson.generator(out) : null;
      if (g != null) {
        g.writeStartArray();
      } else {
        out.printf(
            "%-5s %6s  %-32s %8s %7s %12s %12s%n",
            "TYPE", "ID", "IDSTR", "INSTANCE", "VERSION", "OFFSET", "SIZE");
      }
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
              s.section().idstr(),
              s.section().instanceId(),
              s.section().versionId(),
              s.offset(),
              f.sectionSize());
        }
      }
      if (g != null) {
        g.writeEndArray();
        g.flush();
        out.println();
      }
      out.flush();
    }
    return 0;
  }
}

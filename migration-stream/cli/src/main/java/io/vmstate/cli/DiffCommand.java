package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.dump.PythonJson;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StateFlattener;
import io.vmstate.stream.StreamSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate diff A B}. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Field-level differences between two streams, as a JSON list of {path, a, b}.",
      "Paths are idstr:instance/field/path[i]; RAM blocks are compared by length and CRC32C."
    })
final class DiffCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A")
  Path a;

  @Parameters(index = "1", paramLabel = "B")
  Path b;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> fa = read(a);
    Map<String, String> fb = read(b);
    Set<String> keys = new LinkedHashSet<>(fa.keySet());
    keys.addAll(fb.keySet());
    PrintWriter out = spec.commandLine().getOut();
    JsonGenerator g = PythonJson.generator(out);
    g.writeStartArray();
    int n = 0;
    for (String k : keys) {
      String va = fa.get(k);
      String vb = fb.get(k);
      if (va == null ? vb != null : !va.equals(vb)) {
        g.writeStartObject();
        g.writeStringField("path", k);
        writeSide(g, "a", va);
        writeSide(g, "b", vb);
        g.writeEndObject();
        n++;
      }
    }
    g.writeEndArray();
    g.flush();
    out.println();
    out.flush();
    spec.commandLine().getErr().println(n + " difference" + (n == 1 ? "" : "s"));
    return 0;
  }

  private static void writeSide(JsonGenerator g, String name, String v) throws java.io.IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, v);
    }
  }

  private static Map<String, String> read(Path p) throws Exception {
    try (StreamSource src =
        StreamSource.open(p, io.vmstate.stream.vmdesc.Vmdesc.DEFAULT_MAX_BYTES)) {
      Cli.requireVmdesc(src);
      return StateFlattener.flatten(src.reader(ReaderOptions.DEFAULT));
    }
  }
}

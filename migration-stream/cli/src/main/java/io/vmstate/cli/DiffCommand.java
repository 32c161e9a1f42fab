package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateException;
import io.vmstate.dump.PythonJson;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StateFlattener;
import io.vmstate.stream.StreamSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate diff A B}. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Field-level differences between two streams, as a JSON list of {path, a, b}.",
      "Paths are idstr:instance/field/path[i]; RAM blocks are compared by length and CRC32C.",
      "Exit 0 when equal, 1 when different, 2 on usage errors or an unreadable or undecodable"
          + " stream (as diff(1))."
    })
final class DiffCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A", description = "first " + Cli.STREAM_FILE)
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "second " + Cli.STREAM_FILE)
  Path b;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (a.toString().equals("-") && b.toString().equals("-")) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "only one of A and B can be - (standard input)");
    }
    Map<String, String> fa;
    Map<String, String> fb;
    try {
      fa = read(a);
      fb = read(b);
    } catch (VmStateException e) {
      spec.commandLine().getErr().println(Cli.escape("vmstate: " + e.getMessage()));
      return VmStateCli.USAGE; // diff(1): trouble is 2, so that 1 always means "different"
    }
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
    return n == 0 ? 0 : 1;
  }

  private static void writeSide(JsonGenerator g, String name, String v) throws IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, v);
    }
  }

  private Map<String, String> read(Path p) throws IOException, VmStateException {
    try (StreamSource src = Cli.open(p)) {
      ReaderOptions options = Cli.options(descFrom);
      if (options.vmdesc() == null) {
        Cli.requireVmdesc(src);
      }
      return StateFlattener.flatten(src.reader(options));
    }
  }
}

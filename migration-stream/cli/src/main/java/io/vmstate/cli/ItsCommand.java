package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.cli.gic.StreamIts;
import io.vmstate.dump.PythonJson;
import io.vmstate.gic.its.ItsSnapshot;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate its FILE}: the ITS tables read back from the guest memory in a stream. */
@Command(
    name = "its",
    mixinStandardHelpOptions = true,
    description = {
      "Reconstruct the GICv3 ITS mapping of a virt-board stream from its registers and the guest"
          + " RAM the stream carries: device -> event -> LPI and collection, collection -> CPU, LPI"
          + " properties and each redistributor's pending LPIs, as JSON."
    })
final class ItsCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = Cli.STREAM_FILE)
  Path file;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      Cli.requireVmdesc(src);
      MigrationStreamReader r = src.reader(ReaderOptions.DEFAULT);
      progress.track(r);
      ItsSnapshot snapshot = StreamIts.read(r);
      PrintWriter out = spec.commandLine().getOut();
      JsonGenerator g = PythonJson.generator(out);
      PythonJson.writeTree(g, snapshot.toMap());
      g.flush();
      out.println();
      out.flush();
    }
    return 0;
  }
}

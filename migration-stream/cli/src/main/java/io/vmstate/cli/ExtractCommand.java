package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.dump.PythonJson;
import io.vmstate.dump.StateDump;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate extract FILE DIR}: analyze-migration.py's {@code -x}. */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    description = {
      "Write DIR/desc.json (the vmdesc), DIR/state.json (the state dump) and one file per RAM",
      "block (DIR/<block idstr>, sized to the block, pages at their offsets).",
      "Files are written as NAME.partial and renamed only once the whole stream decoded."
    })
final class ExtractCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Parameters(index = "1", paramLabel = "DIR")
  Path dir;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      Cli.requireVmdesc(src);
      try (Writer w = Files.newBufferedWriter(dir.resolve("desc.json"))) {
        JsonGenerator g = PythonJson.generator(w);
        PythonJson.writeTree(g, src.vmdesc().root());
        g.flush();
      }
      spec.commandLine().getOut().println("desc.json");
      MigrationStreamReader r = src.reader(ReaderOptions.DEFAULT);
      progress.track(r);
      BlockFiles blocks = new BlockFiles();
      Path state = dir.resolve("state.json");
      try (Writer w = Files.newBufferedWriter(partial(state))) {
        JsonGenerator g = PythonJson.generator(w);
        blocks.pageSize = r.pageSize();
        new StateDump(r, g, false, StateDump.Schema.TYPED, blocks).run();
      } finally {
        blocks.close();
      }
      // Only a stream decoded to its end leaves files under their own names; a failure leaves
      // the *.partial files, which never look complete.
      for (Path p : blocks.paths) {
        Files.move(partial(p), p, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(partial(state), state, StandardCopyOption.REPLACE_EXISTING);
      spec.commandLine().getOut().println("state.json");
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  private static Path partial(Path p) {
    return p.resolveSibling(p.getFileName() + ".partial");
  }

  /** One sparse file per RAM block under DIR (each FILE.partial until the whole stream decoded). */
  private final class BlockFiles implements RamSink, AutoCloseable {
    private final Map<String, FileChannel> files = new HashMap<>();
    private final List<Path> paths = new java.util.ArrayList<>();
    private final byte[] page = new byte[64 * 1024];
    int pageSize = 4096;

    @Override
    public void blocks(long total, List<RamBlock> list) throws VmStateException {
      for (RamBlock b : list) {
        Path p = safe(b.idstr());
        try {
          Files.createDirectories(p.getParent());
          paths.add(p);
          FileChannel ch =
              FileChannel.open(
                  partial(p),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING);
          ch.truncate(0);
          if (b.usedLength() > 0) {
            ch.write(ByteBuffer.allocate(1), b.usedLength() - 1);
          }
          files.put(b.idstr(), ch);
        } catch (IOException e) {
          throw VmStateDecodeException.corrupt("cannot create " + p + ": " + e.getMessage());
        }
        spec.commandLine().getOut().println(b.idstr());
      }
    }

    private Path safe(String idstr) throws VmStateDecodeException {
      Path p = dir.resolve("./" + idstr.replaceFirst("^/+", "")).normalize();
      if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
        throw VmStateDecodeException.corrupt(
            "RAM block name '" + idstr + "' would be written outside " + dir);
      }
      return p;
    }

    @Override
    public void zeroPage(RamBlock b, long addr, boolean c, int fill) throws VmStateException {
      if (fill != 0) {
        byte[] buf = new byte[pageSize];
        java.util.Arrays.fill(buf, (byte) fill);
        write(b, addr, buf, buf.length);
      }
    }

    @Override
    public void page(RamBlock b, long addr, boolean c, WireInput in, int size)
        throws VmStateException {
      byte[] buf = size <= page.length ? page : new byte[size];
      in.readBytes(buf, 0, size);
      write(b, addr, buf, size);
    }

    private void write(RamBlock b, long addr, byte[] buf, int len) throws VmStateException {
      try {
        files.get(b.idstr()).write(ByteBuffer.wrap(buf, 0, len), addr);
      } catch (IOException e) {
        throw VmStateDecodeException.corrupt("writing block " + b.idstr() + ": " + e.getMessage());
      }
    }

    @Override
    public void close() throws IOException {
      for (FileChannel ch : files.values()) {
        ch.close();
      }
    }
  }
}

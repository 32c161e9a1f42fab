package io.vmstate.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vmdesc located while the command line is read is taken only for the same, unchanged file. */
class VmdescPrefetchTest {
  @TempDir Path dir;

  private Path sample(String name) throws Exception {
    try (InputStream in = VmStateCli.class.getResourceAsStream("sample-virt-gicv3.qemu")) {
      return Files.write(dir.resolve(name), in.readAllBytes());
    }
  }

  @Test
  void theFileTheCommandLineNamesIsTakenWithTheVmdescItsOwnLocateFinds() throws Exception {
    Path f = sample("a.qemu");
    VmdescPrefetch.start(new String[] {"dump", "-m", f.toString()});
    boolean[] found = new boolean[1];
    Vmdesc v = VmdescPrefetch.take(f, found);
    assertTrue(found[0]);
    assertArrayEquals(VmdescLocator.locate(f, Vmdesc.DEFAULT_MAX_BYTES).json(), v.json());
    // taken once: a second open locates it itself
    assertNull(VmdescPrefetch.take(f, found));
    assertFalse(found[0]);
  }

  @Test
  void anotherFileOrAChangedFileIsNotTaken() throws Exception {
    Path a = sample("a.qemu");
    Path b = sample("b.qemu");
    boolean[] found = new boolean[1];
    VmdescPrefetch.start(new String[] {"dump", a.toString()});
    assertNull(VmdescPrefetch.take(b, found));
    assertFalse(found[0]);

    VmdescPrefetch.start(new String[] {"dump", a.toString()});
    Thread.sleep(200); // let the prefetch finish on the old contents
    Files.write(a, Files.readAllBytes(a), java.nio.file.StandardOpenOption.APPEND);
    Files.setLastModifiedTime(a, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertNull(VmdescPrefetch.take(a, found));
    assertFalse(found[0]);
  }

  @Test
  void aCommandLineWithoutAFileStartsNothing() throws Exception {
    Path a = sample("a.qemu");
    VmdescPrefetch.start(new String[] {"dump", "-", "--desc-from"});
    boolean[] found = new boolean[1];
    assertNull(VmdescPrefetch.take(a, found));
    assertFalse(found[0]);
  }

  @Test
  void aCommandThatFailsBeforeTakingItLeavesNothingBehind() throws Exception {
    Path a = sample("a.qemu");
    java.io.StringWriter err = new java.io.StringWriter();
    int rc =
        VmStateCli.run(
            new String[] {"dump", "--no-such-option", a.toString()},
            new java.io.PrintWriter(new java.io.StringWriter()),
            new java.io.PrintWriter(err));
    assertTrue(rc == VmStateCli.USAGE, "exit " + rc + ": " + err);
    boolean[] found = new boolean[1];
    assertNull(VmdescPrefetch.take(a, found));
    assertFalse(found[0]);
  }
}

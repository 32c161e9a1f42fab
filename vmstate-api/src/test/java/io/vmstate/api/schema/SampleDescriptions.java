package io.vmstate.api.schema;

import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Descriptions covering every field kind; schemas only, so the accessors are never called. Shared
 * with vmstate-schema-json's tests through the test jar.
 */
public final class SampleDescriptions {
  private SampleDescriptions() {}

  /** The object type; never read. */
  public static final class S {
    int[] words = new int[16];
    byte[][] grid = new byte[4][8];
    byte[] bytes = new byte[8];
    long[] bits = new long[2];
    List<S> list = new ArrayList<>();
    S[] kids = new S[3];
    int n;
    boolean flag;
  }

  public static final VmStateDescription<S> CHILD =
      VmStateDescription.<S>named("sample_child")
          .version(2)
          .minimumVersion(1)
          .uint8("a", s -> 0, (s, v) -> {})
          .uint16("b", s -> 0, (s, v) -> {})
          .since(2)
          .build();

  public static final VmStateDescription<S> SUB =
      VmStateDescription.<S>named("sample/extra")
          .version(1)
          .needed(s -> s.flag)
          .uint64("x", s -> 0L, (s, v) -> {})
          .build();

  public static final VmStateDescription<S> SAMPLE =
      VmStateDescription.<S>named("sample")
          .version(3)
          .minimumVersion(2)
          .uint32("n", s -> s.n, (s, v) -> s.n = v)
          .bool("flag", s -> s.flag, (s, v) -> s.flag = v)
          .since(3)
          .uint32SubArray("words", s -> s.words, 8, 8, 16)
          .uint8Array2d("grid", s -> s.grid, 4, 8)
          .uint32VarArray("var", VarCount.field("n"), s -> s.words, null)
          .buffer("bytes", s -> s.bytes, 8)
          .unused(5)
          .bitmap("bits", 100, s -> s.bits)
          .int32("maybe", s -> 0, (s, v) -> {})
          .onlyIf((s, v) -> s.flag)
          .validate("n_ok", (s, v) -> s.n >= 0)
          .struct("one", s -> s, CHILD)
          .vstruct("pinned", s -> s, CHILD, 1)
          .structArray("kids", s -> s.kids, 3, CHILD)
          .structPointerArray("ptrs", s -> s.kids, 3, CHILD)
          .qtailq("list", s -> s.list, S::new, CHILD)
          .gtreeDirectKey("tree", s -> new TreeMap<Long, S>(), CHILD, S::new)
          .array(WireType.TIMER, "timers", s -> new long[2], 2)
          .withTmp(s -> s, CHILD)
          .subsection(SUB)
          .build();
}

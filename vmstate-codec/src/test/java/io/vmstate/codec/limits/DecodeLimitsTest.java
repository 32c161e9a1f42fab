package io.vmstate.codec.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.DecodeLimits;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.testing.Hex;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Hostile counts and nesting fail with {@code limitExceeded} before anything is allocated. */
class DecodeLimitsTest {
  static final class Hostile {
    int count;
    int[] values = new int[0];
    byte[] buffer = new byte[0];
    Elem[] elems = new Elem[0];
    int allocations;
    List<Elem> list = new ArrayList<>();
    NavigableMap<Long, Elem> tree = new TreeMap<>();
  }

  static final class Elem {
    int v;
  }

  static final VmStateDescription<Elem> ELEM =
      VmStateDescription.<Elem>named("elem").uint32("v", e -> e.v, (e, v) -> e.v = v).build();

  static VmStateDescription.Builder<Hostile> counted() {
    return VmStateDescription.<Hostile>named("hostile")
        .uint32("count", h -> h.count, (h, v) -> h.count = v);
  }

  static VmStateDecodeException fails(Executable load) {
    return assertThrows(VmStateDecodeException.class, load);
  }

  @Test
  void aVarArrayCountOfTwoToThe31FailsBeforeAllocating() {
    VmStateDescription<Hostile> d =
        counted()
            .uint32VarArray(
                "values",
                VarCount.field("count"),
                h -> h.values,
                (h, a) -> {
                  h.allocations++;
                  h.values = a;
                })
            .build();
    Hostile h = new Hostile();
    VmStateDecodeException e =
        fails(() -> VmStateCodec.DEFAULT.load(d, h, Hex.bytes("80 00 00 00 00 00 00 01"), 0));
    assertEquals(
        "hostile/values: array length (from 'count') 2147483648 exceeds the limit of 16777216"
            + " (see DecodeLimits) (at byte 4)",
        e.getMessage());
    assertEquals(0, h.allocations);
  }

  @Test
  void aStructVarArrayCountOverTheLimitFailsBeforeMakingElements() {
    VmStateDescription<Hostile> d =
        counted()
            .structVarArrayAlloc(
                "elems",
                VarCount.field("count"),
                h -> h.elems,
                (h, a) -> h.elems = a,
                n -> {
                  throw new AssertionError("allocated " + n);
                },
                Elem::new,
                ELEM)
            .build();
    VmStateCodec small = VmStateCodec.withLimits(DecodeLimits.DEFAULT.withMaxArrayLength(1000));
    VmStateDecodeException e =
        fails(() -> small.load(d, new Hostile(), Hex.bytes("00 00 03 e9"), 0));
    assertEquals(
        "hostile/elems: struct array length (from 'count') 1001 exceeds the limit of 1000 (see"
            + " DecodeLimits) (at byte 4)",
        e.getMessage());
  }

  @Test
  void aHugeVariableBufferFailsBeforeAllocating() {
    VmStateDescription<Hostile> d =
        counted()
            .vbuffer(
                "buffer",
                VarCount.field("count"),
                1,
                h -> h.buffer,
                (h, b) -> {
                  h.allocations++;
                  h.buffer = b;
                })
            .build();
    Hostile h = new Hostile();
    VmStateDecodeException e =
        fails(() -> VmStateCodec.DEFAULT.load(d, h, Hex.bytes("ff ff ff ff"), 0));
    assertEquals(
        "hostile/buffer: buffer size 4294967295 exceeds the limit of 268435456 (see"
            + " DecodeLimits) (at byte 4)",
        e.getMessage());
    assertEquals(0, h.allocations);
  }

  @Test
  void aHugeGtreeNodeCountFailsAtTheCount() {
    VmStateDescription<Hostile> d =
        VmStateDescription.<Hostile>named("hostile")
            .gtreeDirectKey("tree", h -> h.tree, ELEM, Elem::new)
            .build();
    VmStateDecodeException e =
        fails(() -> VmStateCodec.DEFAULT.load(d, new Hostile(), Hex.bytes("ff ff ff ff 01"), 0));
    assertEquals(
        "hostile/tree: gtree node count 4294967295 exceeds the limit of 16777216 (see"
            + " DecodeLimits) (at byte 0)",
        e.getMessage());
  }

  @Test
  void anEndlessListStopsAtTheLimit() {
    VmStateDescription<Hostile> d =
        VmStateDescription.<Hostile>named("hostile")
            .qtailq("list", h -> h.list, Elem::new, ELEM)
            .build();
    VmStateCodec small = VmStateCodec.withLimits(DecodeLimits.DEFAULT.withMaxArrayLength(3));
    byte[] wire = Hex.bytes("01 00000001 01 00000002 01 00000003 01 00000004 00");
    Hostile h = new Hostile();
    VmStateDecodeException e = fails(() -> small.load(d, h, wire, 0));
    assertEquals(15, e.offset());
    assertEquals("list length 4 exceeds the limit of 3 (see DecodeLimits)", e.reason());
  }

  /** A chain of structs {@code depth} deep, each holding the next. */
  static final class Node {
    Node next;
    int v;
  }

  static VmStateDescription<Node> chain(int depth) {
    VmStateDescription<Node> d =
        VmStateDescription.<Node>named("n" + depth).uint8("v", n -> n.v, (n, v) -> n.v = v).build();
    for (int i = depth - 1; i >= 0; i--) {
      d = VmStateDescription.<Node>named("n" + i).struct("next", n -> n.next, d).build();
    }
    return d;
  }

  static Node nodes(int depth) {
    Node head = new Node();
    Node n = head;
    for (int i = 0; i < depth; i++) {
      n.next = new Node();
      n = n.next;
    }
    return head;
  }

  @Test
  void deepStructNestingStopsAtMaxDepth() throws Exception {
    VmStateCodec shallow = VmStateCodec.withLimits(DecodeLimits.DEFAULT.withMaxDepth(5));
    shallow.load(chain(5), nodes(5), Hex.bytes("07"), 0);
    VmStateDecodeException e = fails(() -> shallow.load(chain(6), nodes(6), Hex.bytes("07"), 0));
    assertEquals("struct nesting depth 6 exceeds the limit of 5 (see DecodeLimits)", e.reason());
    assertEquals("n0" + "/next".repeat(6), e.fieldPath());
  }

  @Test
  void deepSubsectionNestingStopsAtMaxDepth() throws Exception {
    VmStateDescription<Node> inner =
        VmStateDescription.<Node>named("d/a/b").uint8("v", n -> n.v, (n, v) -> n.v = v).build();
    VmStateDescription<Node> middle =
        VmStateDescription.<Node>named("d/a").subsection(inner).build();
    VmStateDescription<Node> top = VmStateDescription.<Node>named("d").subsection(middle).build();
    byte[] wire = Hex.bytes("05 03 642f61 00000000  05 05 642f612f62 00000000  09");
    Node n = new Node();
    VmStateCodec.DEFAULT.load(top, n, wire, 0);
    assertEquals(9, n.v);
    VmStateCodec one = VmStateCodec.withLimits(DecodeLimits.DEFAULT.withMaxDepth(1));
    VmStateDecodeException e = fails(() -> one.load(top, new Node(), wire, 0));
    assertEquals(9, e.offset());
    assertEquals("d/a", e.fieldPath());
    assertEquals(
        "subsection nesting depth 2 exceeds the limit of 1 (see DecodeLimits)", e.reason());
  }

  @Test
  void limitsRejectNonsense() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(-1, 0, 1));
    assertEquals("maxArrayLength (-1) must be >= 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DecodeLimits.DEFAULT.withMaxDepth(0));
  }
}

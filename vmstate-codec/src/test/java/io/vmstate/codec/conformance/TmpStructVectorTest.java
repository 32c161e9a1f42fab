package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * Reference §8.3 vector 10, {@code /vmstate/tmp_struct}: VMSTATE_WITH_TMP whose child computes a
 * derived value in pre_save, writes it back in post_load, and reaches the parent through a struct
 * pointer.
 */
class TmpStructVectorTest {
  static final class Parent {
    int a;
    long b;
    long d;
    long f;
  }

  /** QEMU's TmpTestStruct: the parent pointer and the derived value. */
  static final class Tmp {
    final Parent parent;
    long diff;

    Tmp(Parent parent) {
      this.parent = parent;
    }
  }

  static final VmStateDescription<Parent> BACK_TO_PARENT =
      VmStateDescription.<Parent>named("test/tmp_child_parent")
          .uint64("f", p -> p.f, (p, v) -> p.f = v)
          .build();

  static final VmStateDescription<Tmp> TMP_CHILD =
      VmStateDescription.<Tmp>named("test/tmp_child")
          .preSave(t -> t.diff = t.parent.b - t.parent.a)
          .postLoad((t, version) -> t.parent.b = t.parent.a + t.diff)
          .int64("diff", t -> t.diff, (t, v) -> t.diff = v)
          .struct("parent", t -> t.parent, BACK_TO_PARENT)
          .build();

  static final VmStateDescription<Parent> WITH_TMP =
      VmStateDescription.<Parent>named("test/with_tmp")
          .version(1)
          .minimumVersion(1)
          .uint32("a", p -> p.a, (p, v) -> p.a = v)
          .uint64("d", p -> p.d, (p, v) -> p.d = v)
          .withTmp(Tmp::new, TMP_CHILD)
          .build();

  static final String WIRE =
      "00 00 00 02 | 00 00 00 00 00 00 00 01 | 00 00 00 00 00 00 00 02 | 00 00 00 00 00 00 00 08";

  @Test
  void saves() throws Exception {
    Parent p = new Parent();
    p.a = 2;
    p.b = 4;
    p.d = 1;
    p.f = 8;
    assertSaves(WITH_TMP, p, Hex.bytes(WIRE));
  }

  @Test
  void loads() throws Exception {
    assertLoadVector(
        WITH_TMP,
        Parent::new,
        1,
        Hex.withEof(WIRE),
        items(4, 8, 8, 8),
        p -> {
          assertEquals(2, p.a);
          assertEquals(4, p.b);
          assertEquals(1, p.d);
          assertEquals(8, p.f);
        });
  }

  @Test
  void truncationInsideTheTmpChildNamesItsPath() {
    VmStateDecodeException e =
        loadFails(WITH_TMP, new Parent(), WireInput.of(Hex.withEof(WIRE), 0, 22), 1);
    assertEquals(20, e.offset());
    assertEquals("test/with_tmp/tmp/parent/f", e.fieldPath());
  }
}

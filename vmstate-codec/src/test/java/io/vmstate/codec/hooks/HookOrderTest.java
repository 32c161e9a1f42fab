package io.vmstate.codec.hooks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.vmstate.api.Hooks;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.codec.testing.Hex;
import java.util.function.ObjIntConsumer;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** QEMU's hook order (reference §1.2 to §1.4), observed with Mockito mocks for every callback. */
@SuppressWarnings("unchecked")
class HookOrderTest {
  static final class Dev {
    int a;
    int[] arr = new int[1];
    Child child = new Child();
  }

  static final class Child {
    int c;
  }

  Hooks.PreSave<Dev> preSave;
  Hooks.PostSave<Dev> postSave;
  Hooks.PreLoad<Dev> preLoad;
  Hooks.PostLoad<Dev> postLoad;
  ToIntFunction<Dev> getA;
  ObjIntConsumer<Dev> setA;
  Hooks.PreLoad<Child> childPreLoad;
  Hooks.PostLoad<Child> childPostLoad;
  Hooks.Needed<Dev> subNeeded;
  Hooks.PreSave<Dev> subPreSave;
  Hooks.PostSave<Dev> subPostSave;
  Hooks.PreLoad<Dev> subPreLoad;
  Hooks.PostLoad<Dev> subPostLoad;
  ToIntFunction<Dev> getS;
  ObjIntConsumer<Dev> setS;
  VmStateDescription<Dev> dev;

  @BeforeEach
  void setUp() {
    preSave = mock(Hooks.PreSave.class);
    postSave = mock(Hooks.PostSave.class);
    preLoad = mock(Hooks.PreLoad.class);
    postLoad = mock(Hooks.PostLoad.class);
    getA = mock(ToIntFunction.class);
    setA = mock(ObjIntConsumer.class);
    childPreLoad = mock(Hooks.PreLoad.class);
    childPostLoad = mock(Hooks.PostLoad.class);
    subNeeded = mock(Hooks.Needed.class);
    subPreSave = mock(Hooks.PreSave.class);
    subPostSave = mock(Hooks.PostSave.class);
    subPreLoad = mock(Hooks.PreLoad.class);
    subPostLoad = mock(Hooks.PostLoad.class);
    getS = mock(ToIntFunction.class);
    setS = mock(ObjIntConsumer.class);
    when(getA.applyAsInt(any())).thenReturn(0x11);
    when(getS.applyAsInt(any())).thenReturn(0x22);
    dev = build(null);
  }

  private VmStateDescription<Dev> build(StateCopier<Dev> copier) {
    VmStateDescription<Child> child =
        VmStateDescription.<Child>named("dev/child")
            .version(4)
            .preLoad(childPreLoad)
            .postLoad(childPostLoad)
            .uint32("c", c -> c.c, (c, v) -> c.c = v)
            .build();
    VmStateDescription<Dev> sub =
        VmStateDescription.<Dev>named("dev/sub")
            .version(7)
            .minimumVersion(1)
            .needed(subNeeded)
            .preSave(subPreSave)
            .postSave(subPostSave)
            .preLoad(subPreLoad)
            .postLoad(subPostLoad)
            .uint32("s", getS, setS)
            .build();
    VmStateDescription.Builder<Dev> b =
        VmStateDescription.<Dev>named("dev")
            .version(3)
            .minimumVersion(1)
            .preSave(preSave)
            .postSave(postSave)
            .preLoad(preLoad)
            .postLoad(postLoad)
            .uint32("a", getA, setA)
            .struct("child", d -> d.child, child)
            .uint32Array("arr", d -> d.arr, 1)
            .subsection(sub);
    if (copier != null) {
      b.copier(copier);
    }
    return b.build();
  }

  /** a=0x11, child c=0, arr[0]=0, then dev/sub v7 with s=0x22. */
  static final String WIRE_WITH_SUB =
      "00 00 00 11  00 00 00 00  00 00 00 00  05 07 64 65 76 2f 73 75 62 00 00 00 07  00 00 00 22";

  @Test
  void saveRunsPreSaveFieldsSubsectionHooksThenPostSave() throws Exception {
    when(subNeeded.test(any())).thenReturn(true);
    Dev d = new Dev();
    byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(dev, d);
    assertArrayEquals(Hex.bytes(WIRE_WITH_SUB), bytes);
    InOrder order = inOrder(preSave, getA, subNeeded, subPreSave, getS, subPostSave, postSave);
    order.verify(preSave).preSave(d);
    order.verify(getA).applyAsInt(d);
    order.verify(subNeeded).test(d);
    order.verify(subPreSave).preSave(d);
    order.verify(getS).applyAsInt(d);
    order.verify(subPostSave).postSave(d);
    order.verify(postSave).postSave(d);
    order.verifyNoMoreInteractions();
  }

  @Test
  void aSubsectionThatIsNotNeededRunsNoHooks() throws Exception {
    when(subNeeded.test(any())).thenReturn(false);
    byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(dev, new Dev());
    assertEquals(12, bytes.length);
    verify(subPreSave, never()).preSave(any());
    verify(subPostSave, never()).postSave(any());
  }

  @Test
  void loadRunsPreLoadFieldsNestedHooksSubsectionsThenPostLoadWithTheReceivedVersion()
      throws Exception {
    Dev d = new Dev();
    VmStateCodec.DEFAULT.load(dev, d, Hex.bytes(WIRE_WITH_SUB), 2);
    InOrder order =
        inOrder(
            preLoad, setA, childPreLoad, childPostLoad, subPreLoad, setS, subPostLoad, postLoad);
    order.verify(preLoad).preLoad(d);
    order.verify(setA).accept(d, 0x11);
    order.verify(childPreLoad).preLoad(d.child);
    order.verify(childPostLoad).postLoad(d.child, 4);
    order.verify(subPreLoad).preLoad(d);
    order.verify(setS).accept(d, 0x22);
    order.verify(subPostLoad).postLoad(d, 7);
    order.verify(postLoad).postLoad(d, 2);
    order.verifyNoMoreInteractions();
    verify(subNeeded, never()).test(any());
  }

  @Test
  void anAbsentSubsectionRunsNoHooks() throws Exception {
    Dev d = new Dev();
    VmStateCodec.DEFAULT.load(dev, d, Hex.bytes(WIRE_WITH_SUB.substring(0, 50)), 3);
    verify(subPreLoad, never()).preLoad(any());
    verify(subPostLoad, never()).postLoad(any(), anyInt());
    verify(postLoad).postLoad(d, 3);
  }

  @Test
  void postSaveRunsAfterAFieldError() throws Exception {
    Dev d = new Dev();
    d.arr = null;
    WireOutput out = WireOutput.toBytes();
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> VmStateCodec.DEFAULT.save(dev, d, out));
    assertEquals("dev/arr", e.fieldPath());
    InOrder order = inOrder(preSave, getA, postSave);
    order.verify(preSave).preSave(d);
    order.verify(getA).applyAsInt(d);
    order.verify(postSave).postSave(d);
    verify(subPreSave, never()).preSave(any());
  }

  @Test
  void aFailingPreSaveWritesNothingAndSkipsPostSave() throws Exception {
    doThrow(VmStateException.rejected("device busy")).when(preSave).preSave(any());
    WireOutput out = WireOutput.toBytes();
    VmStateException e =
        assertThrows(VmStateException.class, () -> VmStateCodec.DEFAULT.save(dev, new Dev(), out));
    assertEquals("dev: device busy", e.getMessage());
    assertEquals(0, out.position());
    verify(getA, never()).applyAsInt(any());
    verify(postSave, never()).postSave(any());
  }

  @Test
  void aFailingPostLoadFailsTheLoad() throws Exception {
    doThrow(VmStateException.rejected("bad state")).when(postLoad).postLoad(any(), anyInt());
    VmStateException e =
        assertThrows(
            VmStateException.class,
            () -> VmStateCodec.DEFAULT.load(dev, new Dev(), Hex.bytes(WIRE_WITH_SUB), 3));
    assertEquals("dev: bad state (at byte 29)", e.getMessage());
  }

  @Test
  void aFailingPreLoadReadsNothing() throws Exception {
    doThrow(VmStateException.rejected("not now")).when(preLoad).preLoad(any());
    WireInput in = WireInput.of(Hex.bytes(WIRE_WITH_SUB));
    assertThrows(VmStateException.class, () -> VmStateCodec.DEFAULT.load(dev, new Dev(), in, 3));
    assertEquals(0, in.position());
    verify(setA, never()).accept(any(), anyInt());
  }

  /** Copies only {@code a}, {@code arr} and the child: everything the description loads. */
  static final class DevCopier implements StateCopier<Dev> {
    @Override
    public Dev copyOf(Dev s) {
      Dev c = new Dev();
      copyInto(s, c);
      c.arr = s.arr.clone();
      c.child = new Child();
      c.child.c = s.child.c;
      return c;
    }

    @Override
    public void copyInto(Dev s, Dev t) {
      t.a = s.a;
      System.arraycopy(s.arr, 0, t.arr, 0, s.arr.length);
      t.child.c = s.child.c;
    }
  }

  VmStateDescription<Dev> atomic() {
    return VmStateDescription.<Dev>named("dev")
        .version(3)
        .minimumVersion(1)
        .copier(new DevCopier())
        .postLoad(postLoad)
        .uint32("a", d -> d.a, (d, v) -> d.a = v)
        .struct(
            "child",
            d -> d.child,
            VmStateDescription.<Child>named("dev/child")
                .uint32("c", c -> c.c, (c, v) -> c.c = v)
                .build())
        .uint32Array("arr", d -> d.arr, 1)
        .build();
  }

  static Dev original() {
    Dev d = new Dev();
    d.a = 1;
    d.child.c = 2;
    d.arr[0] = 3;
    return d;
  }

  static void assertUntouched(Dev d, int[] arr, Child child) {
    assertEquals(1, d.a);
    assertEquals(2, d.child.c);
    assertEquals(3, d.arr[0]);
    assertSame(arr, d.arr);
    assertSame(child, d.child);
  }

  @Test
  void withACopierATruncatedLoadLeavesTheObjectUntouched() {
    Dev d = original();
    int[] arr = d.arr;
    Child child = d.child;
    byte[] wire = Hex.bytes("00 00 00 aa  00 00 00 bb  00 00");
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class, () -> VmStateCodec.DEFAULT.load(atomic(), d, wire, 3));
    assertEquals(8, e.offset());
    assertUntouched(d, arr, child);
  }

  @Test
  void withACopierAFailingPostLoadLeavesTheObjectUntouched() throws Exception {
    doThrow(VmStateException.rejected("inconsistent")).when(postLoad).postLoad(any(), anyInt());
    Dev d = original();
    int[] arr = d.arr;
    Child child = d.child;
    byte[] wire = Hex.bytes("00 00 00 aa  00 00 00 bb  00 00 00 cc");
    assertThrows(VmStateException.class, () -> VmStateCodec.DEFAULT.load(atomic(), d, wire, 3));
    assertUntouched(d, arr, child);
  }

  @Test
  void withACopierASuccessfulLoadCommitsIntoTheSameObjects() throws Exception {
    Dev d = original();
    int[] arr = d.arr;
    Child child = d.child;
    VmStateCodec.DEFAULT.load(atomic(), d, Hex.bytes("00 00 00 aa  00 00 00 bb  00 00 00 cc"), 3);
    assertEquals(0xaa, d.a);
    assertEquals(0xbb, d.child.c);
    assertEquals(0xcc, d.arr[0]);
    assertSame(arr, d.arr);
    assertSame(child, d.child);
  }

  @Test
  void withoutACopierATruncatedLoadIsInPlaceAsInQemu() {
    Dev d = original();
    VmStateDescription<Dev> inPlace =
        VmStateDescription.<Dev>named("dev")
            .uint32("a", x -> x.a, (x, v) -> x.a = v)
            .uint32Array("arr", x -> x.arr, 1)
            .build();
    assertThrows(
        VmStateDecodeException.class,
        () -> VmStateCodec.DEFAULT.load(inPlace, d, Hex.bytes("00 00 00 aa 00"), 0));
    assertEquals(0xaa, d.a);
  }
}

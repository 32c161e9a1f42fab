package io.vmstate.fuzz;

import java.util.List;

/**
 * One decoder of untrusted bytes, driven by one input. {@link #run} returns normally or throws what
 * the decoder throws; {@link Campaign} decides whether that is a finding (anything but the typed
 * {@code VmStateException} family is).
 */
interface FuzzTarget {
  /** The name: the corpus directory, the {@code -Dfuzz.targets} value. */
  String name();

  /** The seeds the mutations start from. */
  List<Mutator.Seed> seeds() throws Exception;

  /** Decodes one input. */
  void run(byte[] input) throws Exception;
}

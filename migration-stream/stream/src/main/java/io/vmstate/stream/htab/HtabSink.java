package io.vmstate.stream.htab;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;

/** Receives the records of {@code spapr/htab} section bodies as {@link HtabSection} reads them. */
public interface HtabSink {
  /** Skips the entries. */
  HtabSink SKIP =
      new HtabSink() {
        @Override
        public void entries(int index, int nValid, int nInvalid, WireInput in, int bytes)
            throws VmStateException {
          in.skip(bytes);
        }
      };

  /** The be32 that opens every body: the hash table's shift, 0 (chunks follow) or -1 (no HPT). */
  default void header(int header) throws VmStateException {}

  /**
   * One chunk: {@code nValid} entries from {@code index}, whose {@code bytes} ({@code nValid * 16})
   * the sink must consume from {@code in}, then {@code nInvalid} invalidated entries.
   */
  void entries(int index, int nValid, int nInvalid, WireInput in, int bytes)
      throws VmStateException;

  /** The 0/0/0 chunk that ends a body with chunks. */
  default void end() throws VmStateException {}
}

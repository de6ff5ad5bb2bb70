"""bioxen.collector: the cyclic collector is off in a paused block and as it was after; only a
one-shot process (the CLI) freezes what a block leaves, so a long-lived one still collects it."""
import gc
import subprocess
import sys
import textwrap

from bioxen import collector


def _cycle() -> None:
    a = []
    a.append(a)


def test_a_paused_block_turns_the_collector_off_and_back_and_freezes_nothing():
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            _cycle()
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()       # left as it was found
    finally:
        gc.enable()


def test_garbage_of_a_paused_block_is_collected_in_a_long_lived_process():
    import weakref

    class Node:
        pass

    with collector.paused():
        node = Node()
        node.me = node
        seen = weakref.ref(node)
        del node
    gc.collect()
    assert seen() is None


def test_a_one_shot_process_freezes_what_a_paused_block_leaves():
    code = textwrap.dedent("""
        import gc
        from bioxen import collector
        collector.one_shot()
        kept = [[i] for i in range(1000)]
        with collector.paused():
            more = [[i] for i in range(1000)]
        print(gc.isenabled(), gc.get_freeze_count() >= 2000)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]


def test_a_one_shot_process_freezes_its_imports_makes_full_collections_rarer_and_collects_young_garbage():
    code = textwrap.dedent("""
        import gc, weakref
        from bioxen import collector
        young, middle, full = gc.get_threshold()
        collector.one_shot()
        assert gc.get_freeze_count() > 1000, gc.get_freeze_count()      # the modules imported so far
        assert gc.get_threshold() == (young, middle, collector.FULL_EVERY) and collector.FULL_EVERY > full
        class Node:
            pass
        node = Node()
        node.me = node
        seen = weakref.ref(node)
        del node
        kept = [[i] for i in range(20 * young)]     # young collections run as allocations go on
        print(gc.isenabled(), seen() is None)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]

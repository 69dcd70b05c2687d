"""What a reader sees of a notebook (tests/notebook_outputs.py): stdout split differently by the
kernel reads the same; a changed figure, a missing table or outputs in another order do not."""

from __future__ import annotations

import nbformat

from notebook_outputs import reader_outputs, reader_text


def notebook(*cells: list) -> dict:
    """A notebook of code cells with the given outputs (a test fixture, not a report)."""
    nb = nbformat.v4.new_notebook()
    for outputs in cells:
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = outputs
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("not an output"))
    return nb


def out(text: str, name: str = "stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def table(plain: str):
    return nbformat.v4.new_output("display_data", data={"text/plain": plain, "text/html": f"<td>{plain}</td>"})


def test_stdout_split_in_other_places_reads_the_same():
    one = notebook([out("Coverage: annex_6_1\nTotal 93.65\n"), table("58.9")])
    three = notebook([out("Coverage: annex_6_1\n"), out("Total 93."), out("65\n"), table("58.9")])
    assert reader_outputs(one) == reader_outputs(three) == [["Coverage: annex_6_1\nTotal 93.65\n", "58.9\n<td>58.9</td>"]]
    assert reader_text(one, mimes=("text/plain",)) == "Coverage: annex_6_1\nTotal 93.65\n\n58.9"


def test_a_changed_figure_or_order_still_differs():
    base = reader_outputs(notebook([out("Total 93.65\n"), table("58.9")]))
    assert reader_outputs(notebook([out("Total 93."), out("75\n"), table("58.9")])) != base
    assert reader_outputs(notebook([out("Total 93.65\n"), table("58.8")])) != base
    assert reader_outputs(notebook([table("58.9"), out("Total 93.65\n")])) != base
    assert reader_outputs(notebook([out("Total 93.65\n")])) != base
    assert reader_outputs(notebook([out("Total 93.65\n"), table("58.9")], [])) != base  # cells stay apart


def test_streams_merge_only_when_consecutive_and_of_one_name():
    nb = notebook([out("a\n"), out("warning\n", name="stderr"), out("b\n"), table("1"), out("c\n"), out("d\n")])
    assert reader_outputs(nb) == [["a\n", "warning\n", "b\n", "1\n<td>1</td>", "c\nd\n"]]

"""The product-area tree: every area under its parent, unowned ones flagged loudly."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Span, Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.model import ProductArea
from ...core.text import clean_line

UNOWNED_FLAG = "! "


class AreaTree(Tree[str]):
    """Node data is the area id. Labels are always plain text: an area named
    "[b]Billing" is shown as typed (Tree would parse a str label as markup)."""

    COMPONENT_CLASSES = Tree.COMPONENT_CLASSES | {"area-tree--unowned"}  # styled in area_tree.tcss, beside this file
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", "scroll_home", "Top", show=False, id="list.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="list.bottom"),
    ]

    _unowned: frozenset[str] = frozenset()  # the ids of the areas flagged in the last `show`

    def process_label(self, label) -> Text:
        return Text(label) if isinstance(label, str) else label

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        if node.data in self._unowned:
            # Coloured as drawn, from the theme in use (a theme picked later recolours it), and
            # first, so the cursor's colours still win on the cursor's line.
            start = len(text) - len(node.label)  # after the expand icon
            text.spans.insert(0, Span(start, start + len(UNOWNED_FLAG), self.get_component_rich_style("area-tree--unowned", partial=True)))
        return text

    def show(self, areas: list[ProductArea], *, flagged: Callable[[ProductArea], bool], keep: str | None = None) -> None:
        """Rebuild from the areas; keep expanded branches and the cursor on `keep`."""
        expanded = {node.data for node in self._walk(self.root) if node.is_expanded and node.data}
        self._unowned = frozenset(area.id for area in areas if flagged(area))
        children: dict[str | None, list[ProductArea]] = {}
        ids = {area.id for area in areas}
        for area in areas:
            parent = area.parent if area.parent in ids else None  # a dangling parent shows at the top
            children.setdefault(parent, []).append(area)
        for siblings in children.values():
            siblings.sort(key=lambda area: area.name.casefold())
        self.clear()
        self.root.expand()
        target: TreeNode[str] | None = None
        stack: list[tuple[TreeNode[str], str | None]] = [(self.root, None)]
        seen: set[str] = set()
        while stack:
            node, parent_id = stack.pop()
            for area in children.get(parent_id, []):
                if area.id in seen:
                    continue  # a damaged parent cycle must not loop
                seen.add(area.id)
                label = Text()
                if area.id in self._unowned:
                    label.append(UNOWNED_FLAG)
                label.append(clean_line(area.name) or area.id)
                has_children = bool(children.get(area.id))
                child = node.add(label, data=area.id, allow_expand=has_children, expand=area.id in expanded or not expanded)
                if area.id == keep:
                    target = child
                if has_children:
                    stack.append((child, area.id))
        if target is not None:
            ancestor = target.parent
            while ancestor is not None:
                ancestor.expand()
                ancestor = ancestor.parent
            self.call_after_refresh(self.move_cursor, target)
        elif self.root.children:
            self.call_after_refresh(self._cursor_to_first)

    def _cursor_to_first(self) -> None:
        if self.cursor_line < 0:  # clear() took the cursor away; a tree is never shown without one
            self.cursor_line = 0

    @staticmethod
    def _walk(node: TreeNode[str]):
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(current.children)

"""Messages for people: one line each."""


def one_line(value: object, *, limit: int = 300) -> str:
    """`value` (an exception, a server's answer) as one short line: libraries nest multi-line reprs."""
    text = " ".join(str(value).split())
    if not text and isinstance(value, BaseException):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""Stage 5, translate: every translator behind one interface, with batching and a SQLite cache.

OWNER: translate helper. Interface used by the pipeline (keep these names):

    get_translator(name: str, config: Config) -> Translator
    attach_supplied(article: Article) -> Article
    class Translator: translate(texts, src_lang) -> list[Translation];
                      translate_articles(articles, quiet) -> list[Article];
                      signature() -> dict[str, object]
"""

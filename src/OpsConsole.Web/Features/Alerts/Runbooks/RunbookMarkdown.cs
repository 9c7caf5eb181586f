using System.Text;
using Markdig;
using Markdig.Extensions.AutoIdentifiers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace OpsConsole.Web.Features.Alerts.Runbooks;

/// <summary>A runbook rendered for the page: its first heading as the title, and HTML that is safe to insert.</summary>
public sealed record RenderedRunbook(string Title, string Html);

/// <summary>
/// Markdown to HTML with Markdig. Raw HTML is escaped (<c>DisableHtml</c>), and links are checked like
/// <c>runbook_url</c>: http(s), mailto, in-page anchors and console paths stay; a relative link to another runbook
/// becomes its <c>/runbooks/…</c> route; anything else (<c>javascript:</c>, <c>data:</c>, a file outside the runbooks
/// directory) is left as its text. Headings get GitHub's ids, so <c>sampleshop.md#targetdown</c> lands on its section.
/// </summary>
public static class RunbookMarkdown
{
    // Not UseAdvancedExtensions: its generic attributes ({onclick=…}) would let a runbook put script on an element.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseAutoIdentifiers(AutoIdentifierOptions.GitHub)
        .UseAutoLinks()
        .UseTaskLists()
        .UseEmphasisExtras()
        .DisableHtml()
        .Build();

    /// <param name="markdown">The runbook's text.</param>
    /// <param name="documentPath">Its normalized path under the runbooks directory (relative links resolve from its folder).</param>
    /// <param name="fallbackTitle">The title when the text has no heading.</param>
    public static RenderedRunbook Render(string markdown, string documentPath, string fallbackTitle)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(documentPath);
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (Rewrite(link.Url, documentPath, link.IsImage) is { } url)
            {
                link.Url = url;
            }
            else
            {
                Unlink(link);
            }
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!autolink.IsEmail && Rewrite(autolink.Url, documentPath, image: false) is null)
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
        }

        var title = document.Descendants<HeadingBlock>().Select(h => PlainText(h.Inline)).FirstOrDefault(t => t.Length > 0) ?? fallbackTitle;
        return new RenderedRunbook(title, Markdown.ToHtml(document, Pipeline));
    }

    /// <summary>The href a link in a runbook may have, or null.</summary>
    internal static string? Rewrite(string? url, string documentPath, bool image)
    {
        var target = url?.Trim();
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        if (target[0] == '#')
        {
            return image ? null : target;
        }

        if (target[0] is '/' or '\\')
        {
            return RunbookLinks.IsConsolePath(target) ? target : null;
        }

        var colon = target.IndexOf(':', StringComparison.Ordinal);
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (colon >= 0 && (slash < 0 || colon < slash))
        {
            return Uri.TryCreate(target, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || (!image && uri.Scheme == Uri.UriSchemeMailto))
                ? target
                : null;
        }

        return image ? null : Sibling(target, documentPath);
    }

    /// <summary>"other.md#x" from "team/a.md" → "/runbooks/team/other.md#x"; ".." may climb within the directory, not out.</summary>
    private static string? Sibling(string target, string documentPath)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var (path, fragment) = hash < 0 ? (target, null) : (target[..hash], target[(hash + 1)..]);
        if (path.Contains('?', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = documentPath.Split('/')[..^1].ToList();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case ".":
                    continue;
                case "..":
                    if (segments.Count == 0)
                    {
                        return null;
                    }

                    segments.RemoveAt(segments.Count - 1);
                    continue;
                default:
                    segments.Add(segment);
                    continue;
            }
        }

        return RunbookPaths.Normalize(string.Join('/', segments)) is { } normalized ? RunbookLinks.Route(normalized, fragment) : null;
    }

    /// <summary>Puts a link's text where the link was.</summary>
    private static void Unlink(LinkInline link)
    {
        if (link.IsImage)
        {
            link.ReplaceBy(new LiteralInline(PlainText(link)));
            return;
        }

        var child = link.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }

        link.Remove();
    }

    private static string PlainText(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in inline.Descendants<Inline>())
        {
            _ = part switch
            {
                LiteralInline literal => text.Append(literal.Content.ToString()),
                CodeInline code => text.Append(code.Content),
                _ => text,
            };
        }

        return text.ToString().Trim();
    }
}

using OpsConsole.Web.Features.Alerts.Runbooks;

namespace OpsConsole.Web.Tests.Features.Alerts.Runbooks;

public sealed class RunbookMarkdownTests
{
    [Fact]
    public void The_first_heading_is_the_title_and_headings_get_the_anchors_runbook_urls_use()
    {
        var rendered = RunbookMarkdown.Render("# SampleShop runbooks\n\n## HighErrorRatio\nMore than 5 % fail.\n", "sampleshop.md", "sampleshop");

        Assert.Equal("SampleShop runbooks", rendered.Title);
        Assert.Contains("<h2 id=\"higherrorratio\">HighErrorRatio</h2>", rendered.Html, StringComparison.Ordinal);
        Assert.Equal("notes", RunbookMarkdown.Render("no heading here", "notes.md", "notes").Title);
    }

    [Fact]
    public void Html_in_the_file_is_shown_as_text_never_run()
    {
        var rendered = RunbookMarkdown.Render(
            "# Disk\n<script>alert(1)</script>\n\nInline <img src=x onerror=alert(1)> too.\n\n<div onclick=\"alert(1)\">block</div>\n", "disk.md", "disk");

        Assert.DoesNotContain("<script", rendered.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", rendered.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", rendered.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_attributes_are_not_an_extension_here()
    {
        var rendered = RunbookMarkdown.Render("# Title {onclick=\"alert(1)\"}\n", "x.md", "x");

        Assert.DoesNotContain("onclick=\"alert", rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_links_to_other_runbooks_resolve_to_their_pages_and_safe_links_stay()
    {
        var rendered = RunbookMarkdown.Render(
            "[db](db.md#disk) [up](../common.md) [wiki](https://wiki.example/x) [mail](mailto:oncall@example.com) [here](#targetdown) [alerts](/alerts)",
            "team/shop.md", "shop");

        Assert.Contains("href=\"/runbooks/team/db.md#disk\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"/runbooks/common.md\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://wiki.example/x\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"mailto:oncall@example.com\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"#targetdown\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"/alerts\"", rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_that_are_not_safe_or_leave_the_runbooks_keep_only_their_text()
    {
        var rendered = RunbookMarkdown.Render(
            "[a](javascript:alert(1)) [b](data:text/html,x) [c](../../appsettings.json) [d](../operator/alerts.md) [e](//evil.example) <javascript:alert(2)> ![f](data:image/png;base64,AAAA)",
            "shop.md", "shop");

        Assert.DoesNotContain("href", rendered.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("a b c d e javascript:alert(2) f", rendered.Html, StringComparison.Ordinal);
    }
}

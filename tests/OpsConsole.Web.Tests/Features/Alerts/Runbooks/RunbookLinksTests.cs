using Microsoft.Extensions.Options;
using OpsConsole.Web.Features.Alerts.Runbooks;

namespace OpsConsole.Web.Tests.Features.Alerts.Runbooks;

public sealed class RunbookLinksTests
{
    private static readonly RunbookLinks Links = new(Options.Create(new RunbookOptions()));

    [Theory]
    [InlineData("docs/runbooks/sampleshop.md#higherrorratio", "/runbooks/sampleshop.md#higherrorratio")] // as the shipped rules write it
    [InlineData("./docs/runbooks/sampleshop.md", "/runbooks/sampleshop.md")]
    [InlineData("sampleshop.md#targetdown", "/runbooks/sampleshop.md#targetdown")] // relative to the runbooks directory
    [InlineData("team/db/disk full.md", "/runbooks/team/db/disk%20full.md")]
    public void A_relative_runbook_path_resolves_to_the_page_the_console_serves(string annotation, string href) =>
        Assert.Equal(href, Links.Href(annotation));

    [Theory]
    [InlineData("https://wiki.example.com/runbooks/high-error-ratio")]
    [InlineData("http://wiki/x?tab=2#step-3")]
    [InlineData("/alerts/rules#rule-x")]
    public void Absolute_http_urls_and_console_paths_stay_as_they_are(string annotation) =>
        Assert.Equal(annotation, Links.Href(annotation));

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript:alert(document.cookie)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("//evil.example/runbook.md")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\server\\share\\runbook.md")]
    [InlineData("docs/runbooks/../../appsettings.json")]
    [InlineData("../secrets.md")]
    [InlineData("docs/runbooks/.hidden.md")]
    [InlineData("docs/runbooks/notes.txt")]
    [InlineData("docs/runbooks/x.md?raw=1")]
    [InlineData("C:\\runbooks\\x.md")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Anything_else_is_no_link(string? annotation) =>
        Assert.Null(Links.Href(annotation));

    [Fact]
    public void The_directory_prefix_follows_the_configured_directory()
    {
        var links = new RunbookLinks(Options.Create(new RunbookOptions { RunbookDirectory = "./ops/runbooks/" }));

        Assert.Equal("/runbooks/db.md#disk", links.Href("ops/runbooks/db.md#disk"));
        Assert.Equal("/runbooks/docs/runbooks/db.md", links.Href("docs/runbooks/db.md")); // another directory is a path inside this one
    }
}

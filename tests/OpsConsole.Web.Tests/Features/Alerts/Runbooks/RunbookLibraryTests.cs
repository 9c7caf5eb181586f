using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Web.Features.Alerts.Runbooks;

namespace OpsConsole.Web.Tests.Features.Alerts.Runbooks;

public sealed class RunbookLibraryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-runbooks-");
    private readonly RunbookLibrary _library;

    public RunbookLibraryTests()
    {
        Write("docs/runbooks/sampleshop.md", "# SampleShop runbooks\n\n## TargetDown\nCheck the Targets page.\n");
        Write("docs/runbooks/team/db.md", "# Database\n");
        Write("docs/secret.md", "# Not a runbook\n");
        Write("appsettings.json", "{}");
        Write("docs/runbooks/notes.txt", "plain text");
        _library = new RunbookLibrary(Options.Create(new RunbookOptions()), new Environment(_root.FullName), NullLogger<RunbookLibrary>.Instance);
    }

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void A_runbook_under_the_directory_is_read_and_rendered()
    {
        var runbook = _library.Find("sampleshop.md");

        Assert.NotNull(runbook);
        Assert.Equal(("sampleshop.md", "docs/runbooks/sampleshop.md", "SampleShop runbooks"), (runbook.Path, runbook.Source, runbook.Title));
        Assert.Contains("<h2 id=\"targetdown\">TargetDown</h2>", runbook.Html, StringComparison.Ordinal);
        Assert.Equal("Database", _library.Find("team/db.md")?.Title);
    }

    [Theory]
    [InlineData("../secret.md")]
    [InlineData("../../appsettings.json")]
    [InlineData("team/../../secret.md")]
    [InlineData("..%2Fsecret.md")]
    [InlineData("/etc/passwd")]
    [InlineData("notes.txt")]
    [InlineData("missing.md")]
    [InlineData(".md")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_outside_the_directory_or_not_a_markdown_file_there_is_not_found(string? path) =>
        Assert.Null(_library.Find(path));

    [Fact]
    public void A_symbolic_link_out_of_the_directory_is_not_followed()
    {
        File.CreateSymbolicLink(Path.Combine(_root.FullName, "docs/runbooks/escape.md"), Path.Combine(_root.FullName, "docs/secret.md"));
        Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "docs/runbooks/up"), Path.Combine(_root.FullName, "docs"));
        File.CreateSymbolicLink(Path.Combine(_root.FullName, "docs/runbooks/alias.md"), Path.Combine(_root.FullName, "docs/runbooks/sampleshop.md"));

        Assert.Null(_library.Find("escape.md"));
        Assert.Null(_library.Find("up/secret.md"));
        Assert.Equal("SampleShop runbooks", _library.Find("alias.md")?.Title); // a link that stays inside is fine
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_root.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private sealed class Environment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = contentRoot;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

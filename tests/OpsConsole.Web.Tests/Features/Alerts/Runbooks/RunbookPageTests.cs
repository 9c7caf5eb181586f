using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using OpsConsole.Web.Features.Alerts.Runbooks;

namespace OpsConsole.Web.Tests.Features.Alerts.Runbooks;

// MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
public sealed class RunbookPageTests : BunitContext, IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-runbook-page-");

    public RunbookPageTests()
    {
        var file = Path.Combine(_root.FullName, "docs", "runbooks", "sampleshop.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "# SampleShop runbooks\n\n## TargetDown\n1. Open [the other runbook](db.md).\n\n<script>alert(1)</script>\n");
        Services.AddSingleton(new RunbookLibrary(Options.Create(new RunbookOptions()), new Environment(_root.FullName), NullLogger<RunbookLibrary>.Instance));
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public void A_runbook_renders_as_a_page_with_its_headings_links_and_source()
    {
        var cut = Render<RunbookPage>(p => p.Add(x => x.Path, "sampleshop.md"));

        // Read while rendering: the first render already has it (the circuit's first render must not blank the prerendered page).
        Assert.Equal("SampleShop runbooks", cut.Find("[data-testid=runbook] h1").TextContent);
        Assert.Equal("targetdown", cut.Find("[data-testid=runbook] h2").Id);
        Assert.Equal("/runbooks/db.md", cut.Find("[data-testid=runbook] a").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=runbook] script"));
        Assert.Equal("docs/runbooks/sampleshop.md", cut.Find("[data-testid=runbook-source]").TextContent);
    }

    [Theory]
    [InlineData("missing.md")]
    [InlineData("../../appsettings.json")]
    [InlineData("sampleshop.txt")]
    public void A_name_that_is_no_runbook_there_is_the_not_found_page(string path)
    {
        var notFound = false;
        Services.GetRequiredService<NavigationManager>().OnNotFound += (_, _) => notFound = true;

        var cut = Render<RunbookPage>(p => p.Add(x => x.Path, path));

        Assert.True(notFound);
        Assert.Empty(cut.FindAll("[data-testid=runbook]"));
    }

    private sealed class Environment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = contentRoot;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

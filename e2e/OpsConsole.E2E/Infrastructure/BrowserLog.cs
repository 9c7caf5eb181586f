using System.Collections.Concurrent;

namespace OpsConsole.E2E.Infrastructure;

/// <summary>
/// Everything a page reports that a user would never want to see: console errors and warnings (a CSP violation is a
/// console error "Refused to ..."), uncaught exceptions, and securitypolicyviolation events. Attach before navigating.
/// </summary>
public sealed class BrowserLog
{
    // Reports CSP violations explicitly as well, in case a browser version stops logging them to the console.
    public const string CspReporterScript =
        "document.addEventListener('securitypolicyviolation', e => console.error(" +
        "'CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber));";

    private readonly ConcurrentQueue<string> problems = new();

    public IReadOnlyCollection<string> Problems => problems.ToArray();

    public void Attach(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Enqueue($"console.{message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => problems.Enqueue($"page error: {error}");
        page.Crash += (_, _) => problems.Enqueue("page crashed");
    }

    public void AssertClean()
    {
        var all = Problems;
        Assert.True(all.Count == 0, "The browser reported problems:\n" + string.Join('\n', all));
    }
}

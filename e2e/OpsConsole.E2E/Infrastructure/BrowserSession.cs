namespace OpsConsole.E2E.Infrastructure;

/// <summary>One isolated browser context (own cookies) with one page whose console is recorded from the start.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private BrowserSession(IBrowserContext context, IPage page, BrowserLog log)
    {
        Context = context;
        Page = page;
        Log = log;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public BrowserLog Log { get; }

    /// <param name="timezoneId">The browser's IANA time zone; the console writes times in it.</param>
    public static async Task<BrowserSession> OpenAsync(IBrowser browser, Uri baseAddress, int width = 1366, int height = 768, string timezoneId = "UTC")
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(baseAddress);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = timezoneId,
        });
        context.SetDefaultTimeout(20_000);
        context.SetDefaultNavigationTimeout(30_000);
        await context.AddInitScriptAsync(BrowserLog.CspReporterScript);
        var page = await context.NewPageAsync();
        var log = new BrowserLog();
        log.Attach(page); // still about:blank: nothing the console serves can be missed

        return new BrowserSession(context, page, log);
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}

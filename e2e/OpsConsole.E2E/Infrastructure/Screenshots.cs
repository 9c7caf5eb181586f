namespace OpsConsole.E2E.Infrastructure;

/// <summary>Full-page PNGs under TestResults/screenshots, for a person to look at.</summary>
public static class Screenshots
{
    public static async Task<string> SaveAsync(IPage page, string fileName)
    {
        ArgumentNullException.ThrowIfNull(page);
        var directory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0, $"empty screenshot {path}");
        return path;
    }

    /// <summary>Saves the screenshot and names its path in the test's output.</summary>
    public static async Task<string> SaveAsync(IPage page, string fileName, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var path = await SaveAsync(page, fileName);
        output.WriteLine($"screenshot: {path}");
        return path;
    }
}

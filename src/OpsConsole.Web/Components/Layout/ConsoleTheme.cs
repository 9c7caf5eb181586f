using MudBlazor;

namespace OpsConsole.Web.Components.Layout;

/// <summary>The console's palette: calm neutrals, status colours reserved for state (never decoration).</summary>
public static class ConsoleTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f6feb",
            Secondary = "#57606a",
            AppbarBackground = "#0d1b2a",
            AppbarText = "#f0f4f8",
            Background = "#f5f7fa",
            Success = "#1a7f37",
            Warning = "#9a6700",
            Error = "#cf222e",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#58a6ff",
            Secondary = "#8b949e",
            AppbarBackground = "#0b1220",
            Background = "#0f1722",
            Surface = "#16202d",
            DrawerBackground = "#121b27",
            Success = "#3fb950",
            Warning = "#d29922",
            Error = "#f85149",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
    };
}

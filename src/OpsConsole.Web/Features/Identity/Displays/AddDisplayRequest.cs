using System.ComponentModel.DataAnnotations;
using OpsConsole.Core.Identity.Displays;

namespace OpsConsole.Web.Features.Identity.Displays;

/// <summary>What the "add display" form collects.</summary>
public sealed class AddDisplayRequest
{
    [Required(ErrorMessage = "Name the display, e.g. where it hangs.")]
    [StringLength(DisplayDeviceService.MaxNameLength, ErrorMessage = "At most 100 characters.")]
    public string Name { get; set; } = "";
}

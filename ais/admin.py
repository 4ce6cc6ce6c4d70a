"""AIS in the admin: administrators upload archives (decoded CSV or NMEA) to be loaded."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import AisUpload
from .services.ingest import csv_layouts
from .services.uploads import SUFFIXES, accept


class UploadForm(forms.ModelForm):
    file = forms.FileField(
        label=_("Archive"),
        help_text=_(
            "CSV (NOAA, DMA, satellite or a saved profile), .gz, a .zip of one file, or NMEA"
        ),
    )

    class Meta:
        model = AisUpload
        fields = ["layout"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("Not one of: %(s)s") % {"s": ", ".join(SUFFIXES)})
        return upload

    def clean_layout(self):
        layout = self.cleaned_data.get("layout", "").strip()
        if layout:
            try:
                csv_layouts(layout)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return layout


@admin.register(AisUpload)
class AisUploadAdmin(admin.ModelAdmin):
    """Queued, loaded or refused uploads with the run's summary; only adding is allowed
    (an upload's record is what happened to it)."""

    list_display = ["name", "state", "size", "layout", "created_by", "created_at", "finished_at"]
    list_filter = ["state"]
    readonly_fields = ["name", "size", "state", "summary", "counts", "created_by", "finished_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "layout"]
        return ["name", "size", "layout", "state", "summary", "counts", "created_by", "finished_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.readonly_fields, "layout"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data["file"]
        row = accept(upload.name, upload, form.cleaned_data.get("layout", ""), request.user)
        obj.pk = row.pk
        obj.refresh_from_db()
        messages.info(request, _("Queued: the upload worker loads it within seconds."))

"""The pages of the main window (other than the beneficiaries page, in ``ui.beneficiaries``)."""

"""StreamField blocks of lessons, case reviews and scenarios. Templates live in site/templates/courses/blocks/.

Video is an uploaded file played by the browser's own <video> element: nothing is embedded from the internet."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .choices import Competency, Outcome, ProcedureStage


class LegalArticleBlock(blocks.StructBlock):
    """A quoted article of a law: 《人民调解法》第三十三条 …"""

    law = blocks.CharBlock(label=_("Law"), max_length=100, help_text=_("e.g. People's Mediation Law"))
    article = blocks.CharBlock(label=_("Article"), max_length=40, help_text=_("e.g. Article 33"))
    text = blocks.TextBlock(label=_("Text of the article"))

    class Meta:
        icon = "openquote"
        label = _("Legal article")
        template = "courses/blocks/legal_article.html"


class KeyPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=60, required=False)
    points = blocks.ListBlock(
        blocks.CharBlock(label=_("Point"), max_length=300),
        label=pgettext_lazy("key points", "Points"), min_num=1,
    )

    class Meta:
        icon = "list-ul"
        label = _("Key points")
        template = "courses/blocks/key_points.html"


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), max_length=200, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (MP4/WebM) played locally: works on intranets with no internet access. Served by
    ``courses.views.lesson_media`` with range requests, so phones can seek and resume."""

    file = DocumentChooserBlock(label=_("Video file"), help_text=_("Upload an MP4 or WebM file as a document."))
    # The server decides how much was played against this length; a browser's own report could be anything.
    duration = blocks.IntegerBlock(
        label=_("Length (seconds)"), min_value=1, required=False,
        help_text=_("How long it plays. A lesson whose first video or audio has a length completes when most of "
                    "it was played."))
    caption = blocks.CharBlock(label=_("Caption"), max_length=200, required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class AudioBlock(VideoBlock):
    """An uploaded recording (MP3, M4A, OGG): a lecture to listen to where video is too heavy for the connection."""

    file = DocumentChooserBlock(label=_("Audio file"), help_text=_("Upload an MP3, M4A or OGG file as a document."))

    class Meta:
        icon = "media"
        label = _("Audio")
        template = "courses/blocks/audio.html"


class DocumentDownloadBlock(blocks.StructBlock):
    """A handout. Marked "enrolled people only", its file is moved out of public media into private storage
    (``courses.services.handout_protect``) and downloads only through ``courses.views.lesson_handout``."""

    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(label=_("Description"), max_length=200, required=False)
    enrolled_only = blocks.BooleanBlock(
        label=_("Enrolled people only"), required=False,
        help_text=_("Only people enrolled in the module (and its lecturers and the bureau's editors) may download "
                    "it; the file is kept out of the public media folder."))

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "courses/blocks/document.html"


MEDIA_BLOCK_TYPES = ("video", "audio")
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "blockquote"]


class LessonBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES, template="courses/blocks/text.html")
    image = CaptionedImageBlock()
    video = VideoBlock()
    audio = AudioBlock()
    document = DocumentDownloadBlock()
    key_points = KeyPointsBlock()
    legal_article = LegalArticleBlock()


class ProcessStepBlock(blocks.StructBlock):
    """One step of a case's mediation, in the order it happened."""

    stage = blocks.ChoiceBlock(label=_("Stage"), choices=ProcedureStage.choices)
    text = blocks.TextBlock(label=_("What was done"))

    class Meta:
        icon = "arrow-right"
        label = _("Step")


# --- Simulated mediation: a graph of steps and endings, linked by keys.

step_key_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lower-case letters, digits and hyphens."))


class PartyStatementBlock(blocks.StructBlock):
    speaker = blocks.CharBlock(label=_("Speaker"), max_length=40)
    words = blocks.TextBlock(label=_("What they say"))


class CompetencyPointsBlock(blocks.StructBlock):
    competency = blocks.ChoiceBlock(label=_("Competency"), choices=Competency.choices)
    points = blocks.IntegerBlock(label=_("Points"), min_value=-5, max_value=5)


class ScenarioChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("What the mediator does"), max_length=300)
    leads_to = blocks.CharBlock(
        label=_("Leads to"), max_length=40, validators=[step_key_validator],
        help_text=_("The key of the step or ending this choice leads to."),
    )
    feedback = blocks.TextBlock(label=_("Feedback shown after choosing"))
    scores = blocks.ListBlock(CompetencyPointsBlock(), label=_("Scores"), default=[])


class ScenarioStepBlock(blocks.StructBlock):
    key = blocks.CharBlock(label=_("Key"), max_length=40, validators=[step_key_validator],
                           help_text=_("A short unique name, e.g. opening. The first step is where a run starts."))
    title = blocks.CharBlock(label=_("Title"), max_length=100)
    situation = blocks.TextBlock(label=_("Situation"))
    statements = blocks.ListBlock(PartyStatementBlock(), label=_("What the parties say"), default=[])
    choices = blocks.ListBlock(ScenarioChoiceBlock(), label=_("Choices"), min_num=1)

    class Meta:
        icon = "arrows-up-down"
        label = _("Step")


class ScenarioEndingBlock(blocks.StructBlock):
    key = blocks.CharBlock(label=_("Key"), max_length=40, validators=[step_key_validator])
    title = blocks.CharBlock(label=_("Title"), max_length=100)
    outcome = blocks.ChoiceBlock(label=_("Outcome"), choices=Outcome.choices)
    # The outcome's category alone misleads: an oral agreement that falls apart is still 达成调解协议.
    outcome_label = blocks.CharBlock(
        label=_("Outcome as the learner reads it"), max_length=60, required=False,
        help_text=_("E.g. 口头协议，纠纷反复. Leave empty to show the outcome's name."))
    text = blocks.TextBlock(label=_("What happens"))

    class Meta:
        icon = "flag"
        label = _("Ending")


class ScenarioGraphBlock(blocks.StreamBlock):
    step = ScenarioStepBlock()
    ending = ScenarioEndingBlock()

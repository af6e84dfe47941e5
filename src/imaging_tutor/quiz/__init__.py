"""Quizzes: the course's chapter quizzes, generated practice items, grading with cited feedback, sessions,
progress and review, quiz banks and exports. Domain functions only; the API and CLI call these."""
from .library import (delete_item, delete_quiz, get_quiz, list_quizzes, mark_stale_items, regenerate_item, save_quiz,
                      save_reviewed,
                   update_item)
from .editing import ItemEdit, edit_item, regenerate_item as regenerate_in_quiz, remove_item
from .export import FORMATS, export_quiz, safe_filename, write_export
from .generator import generate, generate_for
from .grading import grade
from .keys import check_keys, course_items, load_keys
from .progress import progress, review_queue
from .report import format_report, quality_report
from .schema import (ItemCitation, Grade, ItemView, Quiz, QuizItem, QuizSummary, Rejection, ReviewItem, SectionProgress,
                     SessionView, SubmitResult)
from .practice import get_session, next_item, start_session, submit
from .validate import check_item, validate_quiz

__all__ = [
    "ItemCitation", "Grade", "ItemEdit", "ItemView", "Quiz", "QuizItem", "QuizSummary", "Rejection", "ReviewItem",
    "SectionProgress", "SessionView", "SubmitResult", "FORMATS", "check_item", "check_keys", "course_items",
    "delete_item", "delete_quiz", "edit_item", "export_quiz", "format_report", "generate", "generate_for", "get_quiz",
    "get_session", "grade", "list_quizzes", "load_keys", "mark_stale_items", "next_item", "progress",
    "quality_report", "regenerate_in_quiz", "regenerate_item", "remove_item", "review_queue", "safe_filename",
    "save_quiz", "save_reviewed", "start_session", "submit", "update_item", "validate_quiz", "write_export",
]
